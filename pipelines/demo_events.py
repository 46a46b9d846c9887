"""Thirty days of demo app events, written as JSONL files in the same layout the app writes.

Sessions view pages, make predictions, see one of two advice variants (true CTRs differ), click,
open recommendations, and now and then hit an error. Files land in <events_dir>/<day>/demo-*.jsonl
and are loaded by the normal `ingest-events` path.
"""
from __future__ import annotations

import os
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analytics.student_schema import PARENTAL_EDUCATION, RACE_ETHNICITY

PAGES = ("predict", "ebpm", "recommend", "operations")
PAGE_WEIGHTS = (0.4, 0.2, 0.25, 0.15)
EVENT_NAMES = ("page_view", "prediction", "impression", "click", "recommendation", "error")
VARIANTS = ("A", "B")
TRUE_CTR = {"A": 0.08, "B": 0.12}
ADVICE_ACTIONS = ("follow", "another", "share")
REC_CTR = 0.18
ERROR_RATE = 0.003
ERROR_MESSAGES = ("warehouse busy, retrying", "prediction input rejected", "figure render timeout")
DAYS = 30


def _events_arrays(n_sessions: int, n_students: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed + 303)
    # Slow growth over the month and fewer sessions at weekends make trends visible.
    day_weights = np.linspace(0.8, 1.2, DAYS)
    day_weights /= day_weights.sum()
    s_day = rng.choice(DAYS, n_sessions, p=day_weights)
    s_start = s_day * 86400 + rng.integers(7 * 3600, 19 * 3600, n_sessions)
    s_variant = rng.integers(0, 2, n_sessions)
    parts = []

    def emit(session, kind, offset, **cols):
        frame = {"session": session, "kind": np.full(len(session), kind, np.int8),
                 "ts_s": s_start[session] + offset}
        frame.update(cols)
        parts.append(pd.DataFrame(frame))

    n_pv = 1 + rng.poisson(2.0, n_sessions)
    pv_session = np.repeat(np.arange(n_sessions), n_pv)
    pv_rank = np.arange(len(pv_session)) - np.repeat(np.cumsum(n_pv) - n_pv, n_pv)
    pv_page = rng.choice(4, len(pv_session), p=PAGE_WEIGHTS)
    emit(pv_session, 0, pv_rank * 40, page=pv_page)
    err = rng.random(len(pv_session)) < ERROR_RATE
    emit(pv_session[err], 5, pv_rank[err] * 40 + 5, page=pv_page[err],
         message=rng.integers(0, len(ERROR_MESSAGES), err.sum()))

    n_pred = rng.poisson(1.2, n_sessions)
    pr_session = np.repeat(np.arange(n_sessions), n_pred)
    pr_offset = 10 + rng.integers(0, 600, len(pr_session))
    student = rng.integers(0, n_students, len(pr_session))
    variant = s_variant[pr_session]
    emit(pr_session, 1, pr_offset, page=np.zeros(len(pr_session), np.int8), student=student)
    emit(pr_session, 2, pr_offset + 1, page=np.zeros(len(pr_session), np.int8), student=student, variant=variant)
    ctr = np.where(variant == 0, TRUE_CTR["A"], TRUE_CTR["B"])
    clicked = rng.random(len(pr_session)) < ctr
    emit(pr_session[clicked], 3, pr_offset[clicked] + 15, page=np.zeros(clicked.sum(), np.int8),
         student=student[clicked], variant=variant[clicked])

    n_rec = rng.poisson(0.6, n_sessions)
    rc_session = np.repeat(np.arange(n_sessions), n_rec)
    rc_offset = 30 + rng.integers(0, 600, len(rc_session))
    rc_student = rng.integers(0, n_students, len(rc_session))
    emit(rc_session, 4, rc_offset, page=np.full(len(rc_session), 2, np.int8), student=rc_student)
    rc_click = rng.random(len(rc_session)) < REC_CTR
    emit(rc_session[rc_click], 3, rc_offset[rc_click] + 20, page=np.full(rc_click.sum(), 2, np.int8),
         student=rc_student[rc_click])

    events = pd.concat(parts, ignore_index=True)
    for col, fill in (("page", -1), ("student", -1), ("variant", -1), ("message", -1)):
        events[col] = events[col].fillna(fill).astype(np.int32)
    events["day"] = (events["ts_s"] // 86400).astype(np.int16)
    return events


def _sql_path(path: Path) -> str:
    # COPY takes no parameter for its target; the path is ours, quotes escaped.
    return str(path).replace("'", "''")


def demo_student_ids(n: int) -> list[str]:
    """Stable ids of demo students: S0000001, S0000002, ..."""
    return [f"S{i + 1:07d}" for i in range(n)]


def remove_demo_event_files(events_dir: str | Path) -> int:
    """Delete the demo generator's own files (never the app's); return how many went."""
    removed = 0
    for old in Path(events_dir).glob("*/demo-*.jsonl"):
        old.unlink()
        removed += 1
    return removed


def write_demo_events(events_dir: str | Path, coded_students: pd.DataFrame, *, n_sessions: int, seed: int,
                      as_of: date, drift: bool = False) -> int:
    """Write the demo event files for the 30 days before `as_of`; return the event count."""
    events_dir = Path(events_dir)
    remove_demo_event_files(events_dir)   # regenerate, never duplicate, the demo's own files
    events = _events_arrays(n_sessions, len(coded_students), seed)
    start = np.datetime64(as_of - timedelta(days=DAYS), "s").astype(np.int64)
    events["epoch_s"] = start + events["ts_s"]
    events["rn"] = np.arange(1, len(events) + 1, dtype=np.int64)   # stable row ids -> stable event ids
    con = duckdb.connect()
    con.register("ev", events)
    students = coded_students.reset_index(drop=True).copy()
    students["student"] = np.arange(len(students), dtype=np.int32)
    if "student_id" not in students:
        students["student_id"] = demo_student_ids(len(students))
    if drift:
        # The last 7 days see a different intake: weaker readers and more free lunches.
        students["drift_reading"] = np.clip(students["reading_score"] - 12, 0, 100)
    else:
        students["drift_reading"] = students["reading_score"]
    con.register("st", students)
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET memory_limit = '512MB'")
    # Stream straight into one file per day: never hold millions of JSON rows in memory.
    staging = events_dir / f".demo-staging-{int(seed)}"
    shutil.rmtree(staging, ignore_errors=True)
    events_dir.mkdir(parents=True, exist_ok=True)
    con.execute(f"""
        COPY (
        WITH h AS (SELECT *, md5('{int(seed)}-' || rn) AS h FROM ev)
        SELECT h.day,
               substr(h.h,1,8)||'-'||substr(h.h,9,4)||'-4'||substr(h.h,14,3)||'-a'||substr(h.h,18,3)||'-'
                 ||substr(h.h,21,12) AS event_id,
               $names[h.kind + 1] AS event,
               strftime(make_timestamp(h.epoch_s * 1000000), '%Y-%m-%dT%H:%M:%SZ') AS ts,
               'demo-{int(seed)}-' || h.session AS session_id,
               CASE WHEN h.page >= 0 THEN $pages[h.page + 1] END AS page,
               st.student_id,
               CASE WHEN h.variant >= 0 THEN $variants[h.variant + 1] END AS variant,
               CASE WHEN h.kind IN (1, 2, 3) AND h.page = 0 THEN 'demo-1' END AS model_version,
               CASE WHEN h.kind = 1 THEN round(st.math_score + (hash(h.rn) % 7) - 3.0, 1) END AS predicted,
               CASE WHEN h.kind = 1 THEN json_object('inputs', json_object(
                        'gender', $genders[st.gender_code + 1],
                        'race_ethnicity', $races[st.race_code + 1],
                        'parental_education', $parents[st.parent_code + 1],
                        'lunch', $lunch[(CASE WHEN $drift AND h.day >= 23 AND hash(h.rn) % 3 = 0
                                        THEN 1 ELSE st.lunch_code END) + 1],
                        'test_prep', $prep[st.prep_code + 1],
                        'reading_score', CASE WHEN $drift AND h.day >= 23 THEN st.drift_reading
                                          ELSE st.reading_score END,
                        'writing_score', st.writing_score))
                    WHEN h.kind = 5 THEN json_object('message', $messages[h.message + 1])
                    -- advice clicks: 70 % follow (the conversion), 20 % show another, 10 % share
                    WHEN h.kind = 3 AND h.page = 0 THEN json_object(
                        'action', $actions[(CASE WHEN h.rn % 10 < 7 THEN 0 WHEN h.rn % 10 < 9 THEN 1 ELSE 2 END) + 1],
                        'experiment', 'advice-v1')
               END AS payload
        FROM h LEFT JOIN st ON st.student = h.student
        ) TO '{_sql_path(staging)}' (FORMAT json, PARTITION_BY (day))
    """, {"names": list(EVENT_NAMES), "pages": list(PAGES), "variants": list(VARIANTS),
          "genders": ["female", "male"], "races": list(RACE_ETHNICITY), "parents": list(PARENTAL_EDUCATION),
          "lunch": ["standard", "free/reduced"], "prep": ["none", "completed"],
          "messages": list(ERROR_MESSAGES), "drift": drift,
          "actions": list(ADVICE_ACTIONS)})
    for part in sorted(staging.glob("day=*")):
        day = int(part.name.split("=", 1)[1])
        folder = events_dir / str(as_of - timedelta(days=DAYS - day))
        folder.mkdir(parents=True, exist_ok=True)
        for i, chunk in enumerate(sorted(part.glob("*.json"))):
            target = folder / f"demo-{int(seed)}-{i}.jsonl"
            os.replace(chunk, target)
    shutil.rmtree(staging, ignore_errors=True)
    total = len(events)
    con.close()
    return total
