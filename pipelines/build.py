"""Job: from nothing to a ready warehouse (students, truth, materials, interactions, events, ...).

Demo mode (no --students) generates everything. A real build (--students FILE) loads the file and
generates nothing else: materials, interactions and events stay empty until they are loaded
(ingest-materials, ingest-interactions, the app's events), unless --demo-activity opts in.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from analytics.student_schema import CATEGORIES
from pipelines.cmd_experiment import declare_advice_experiment
from pipelines.demo_activity import generate_interactions, generate_materials
from pipelines.demo_events import demo_student_ids, remove_demo_event_files, write_demo_events
from pipelines.demo_students import (
    TRUE_EFFECT,
    TUTORING_EFFECT,
    class_ids,
    generate_students,
    school_ids,
)
from pipelines.ingest_events import ingest_events_into
from pipelines.ingest_students import write_students
from pipelines.progress import step
from pipelines.student_rows import parse_students_csv
from warehouse.provenance import BUILD_INFO_KEYS
from warehouse.publish import write_transaction

SCHOOLS = 20
EXAM_DATES = (date(2026, 2, 15), date(2026, 7, 15), date(2026, 11, 15))


@dataclass
class BuildOptions:
    """Typed parameters of one build."""

    db_path: Path
    events_dir: Path
    scale: int = 1000
    seed: int = 42
    students_csv: Path | None = None
    materials: int = 300
    sessions: int | None = None       # default: 1.6 sessions per student (~10 events each); 0 = none
    # Demo materials, interactions and events are generated only for demo students, unless a
    # real build opts in (issue 10: generated rows never mix silently into a real warehouse).
    demo_activity: bool = False
    as_of: date | None = None
    drift: bool = False
    quiet: bool = False
    # Model steps (train, score, recsys, monitor) to run after the data steps, inside the same
    # private copy, so the published warehouse is always complete. See pipelines.steps.
    post_steps: tuple[tuple[str, Callable], ...] = ()


@dataclass
class BuildSummary:
    """Counts produced by a build."""

    students: int = 0
    quarantined: int = 0
    materials: int = 0
    interactions: int = 0
    events: int = 0
    extra: dict = field(default_factory=dict)


def encode_students(students: pd.DataFrame) -> pd.DataFrame:
    """Category strings -> the compact codes the demo generators use."""
    coded = pd.DataFrame({
        "gender_code": students["gender"].map({v: i for i, v in enumerate(CATEGORIES["gender"])}),
        "race_code": students["race_ethnicity"].map({v: i for i, v in enumerate(CATEGORIES["race_ethnicity"])}),
        "parent_code": students["parental_education"].map(
            {v: i for i, v in enumerate(CATEGORIES["parental_education"])}),
        "lunch_code": students["lunch"].map({v: i for i, v in enumerate(CATEGORIES["lunch"])}),
        "prep_code": students["test_prep"].map({v: i for i, v in enumerate(CATEGORIES["test_prep"])}),
    }).astype(np.int8)
    for col in ("math_score", "reading_score", "writing_score"):
        coded[col] = students[col].astype(np.int16).to_numpy()
    coded["student_id"] = students["student_id"].to_numpy()
    return coded


def _insert_demo_students(con, coded: pd.DataFrame, seed: int) -> None:
    rng = np.random.default_rng(seed + 404)
    n = len(coded)
    frame = coded.copy()
    frame["idx"] = np.arange(n, dtype=np.int32)
    rng.integers(1, SCHOOLS + 1, n), rng.integers(0, 6, n)   # the old random schools: drawn so exam dates stay
    frame["school_id"] = school_ids(coded["school_code"].to_numpy())
    frame["class_id"] = class_ids(coded["school_code"].to_numpy(), coded["class_code"].to_numpy())
    frame["exam"] = rng.integers(0, len(EXAM_DATES), n).astype(np.int8)
    con.register("demo_coded", frame)
    con.execute("""
        INSERT INTO core.students
        SELECT 'S' || lpad(CAST(idx + 1 AS VARCHAR), 7, '0'),
               $g[gender_code + 1], $r[race_code + 1], $p[parent_code + 1], $l[lunch_code + 1], $t[prep_code + 1],
               math_score, reading_score, writing_score,
               school_id, class_id,
               $exams[exam + 1], 'demo', 'demo', NULL
        FROM demo_coded ORDER BY idx
    """, {"g": list(CATEGORIES["gender"]), "r": list(CATEGORIES["race_ethnicity"]),
          "p": list(CATEGORIES["parental_education"]), "l": list(CATEGORIES["lunch"]),
          "t": list(CATEGORIES["test_prep"]), "exams": list(EXAM_DATES)})
    con.execute("""INSERT INTO core.schools SELECT school_id, count(*), bool_or(tutoring_code = 1), 'demo'
                   FROM demo_coded GROUP BY school_id ORDER BY school_id""")
    con.unregister("demo_coded")


def _demo_sessions(opts: BuildOptions, students: int) -> int:
    """Demo app sessions to generate: --sessions when given (0 means none), else 1.6 per student."""
    return opts.sessions if opts.sessions is not None else max(int(1.6 * students), 200)


def _insert_demo_activity(con, coded: pd.DataFrame, opts: BuildOptions, as_of: date) -> tuple[int, int]:
    """Generated materials and interactions (source 'demo'); return their counts."""
    materials = generate_materials(opts.materials, opts.seed)
    con.register("mat", materials)
    con.execute("""INSERT INTO core.materials (material_id, title, subject, difficulty, format, created_at, source)
                   SELECT material_id, title, subject, difficulty, format, TIMESTAMP '2026-01-01', 'demo' FROM mat""")
    con.register("ids", pd.DataFrame({"student_idx": np.arange(len(coded), dtype=np.int32),
                                      "student_id": coded["student_id"].to_numpy()}))
    con.register("mids", pd.DataFrame({"material_idx": np.arange(len(materials), dtype=np.int32),
                                       "material_id": materials["material_id"].to_numpy()}))
    interactions = 0
    for chunk in generate_interactions(coded, materials, opts.seed, np.datetime64(as_of)):
        con.register("chunk", chunk)
        con.execute("""INSERT INTO core.interaction_rows (student_id, material_id, rating, completed, ts, source)
                       SELECT ids.student_id, mids.material_id, rating, completed, to_timestamp(ts_s)::TIMESTAMP,
                              'demo'
                       FROM chunk JOIN ids USING (student_idx) JOIN mids USING (material_idx)""")
        interactions += len(chunk)
    for name in ("mat", "ids", "mids", "chunk"):
        con.unregister(name)
    return len(materials), interactions


def build(opts: BuildOptions) -> BuildSummary:
    """Build a complete warehouse in a private file and publish it atomically."""
    summary = BuildSummary()
    as_of = opts.as_of or datetime.now(timezone.utc).date()
    with write_transaction(opts.db_path, fresh=True) as con:
        with step("students", opts.quiet):
            if opts.students_csv:
                parsed = parse_students_csv(opts.students_csv)
                loaded = write_students(con, parsed, replace=True)
                summary.quarantined = loaded.quarantined
                students = con.execute("SELECT * FROM core.students ORDER BY line_no").df()
                coded = encode_students(students)
            else:
                coded = generate_students(opts.scale, opts.seed)
                coded["student_id"] = demo_student_ids(len(coded))
                _insert_demo_students(con, coded, opts.seed)
                con.executemany("INSERT INTO core.demo_truth VALUES ('test_prep', ?, ?, ?)",
                                [[k, v, "planted effect of completing the test-prep course (points)"]
                                 for k, v in TRUE_EFFECT.items()])
                con.executemany("INSERT INTO core.demo_truth VALUES ('tutoring', ?, ?, ?)",
                                [[k, v, "planted effect of the school tutoring programme (points)"]
                                 for k, v in TUTORING_EFFECT.items() if v])
            summary.students = len(coded)
        demo_activity = opts.demo_activity or opts.students_csv is None
        if demo_activity:
            with step("materials and interactions", opts.quiet):
                summary.materials, summary.interactions = _insert_demo_activity(con, coded, opts, as_of)
        sessions = _demo_sessions(opts, summary.students) if demo_activity else 0
        with step("demo events", opts.quiet):
            if sessions:
                write_demo_events(opts.events_dir, coded, n_sessions=sessions, seed=opts.seed, as_of=as_of,
                                  drift=opts.drift)
            else:   # a real build (or --sessions 0) must not pick up a previous demo build's files
                remove_demo_event_files(opts.events_dir)
        with step("declare the advice experiment", opts.quiet):
            declare_advice_experiment(con)
        with step("ingest events", opts.quiet):
            summary.events = ingest_events_into(con, opts.events_dir).total
        activity = "demo" if demo_activity else "none"
        con.executemany("INSERT OR REPLACE INTO core.build_info VALUES (?, ?)",
                        [["seed", str(opts.seed)], ["scale", str(summary.students)],
                         ["source", str(opts.students_csv or "demo")], ["as_of", str(as_of)],
                         [BUILD_INFO_KEYS["students"], "real" if opts.students_csv else "demo"],
                         [BUILD_INFO_KEYS["materials"], activity], [BUILD_INFO_KEYS["interactions"], activity],
                         [BUILD_INFO_KEYS["events"], "demo" if sessions else "none"]])
        for name, run in opts.post_steps:
            with step(name, opts.quiet):
                summary.extra[name] = run(con, opts)
    return summary
