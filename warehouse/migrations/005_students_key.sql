-- 005: core.students gets its key: one row per student_id, enforced (ingest already rejects duplicates).
ALTER TABLE core.students ADD PRIMARY KEY (student_id);
