"""A corpus of real-world broken CSVs through `python -m pipelines effect --csv`: each gives exit 2 and one
line naming the column (and a sample line number where there is one), never a traceback (issue 12)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from pipelines.cli import main

N = 40


def _good_rows(n: int = N) -> list[list[str]]:
    rng = np.random.default_rng(0)
    return [[str(i % 2), f"{50 + rng.normal():.3f}", f"{rng.normal():.3f}", "ab"[i % 3 == 0]] for i in range(n)]


def _csv(rows, header="treat,y,age,group", sep=",") -> str:
    return header + "\n" + "\n".join(sep.join(r) for r in rows) + "\n"


def _with(line: int, column: int, value: str) -> str:
    """The good file with one cell replaced; `line` is the 1-based physical line (2 = first data row)."""
    rows = _good_rows()
    rows[line - 2][column] = value
    return _csv(rows)


BASE = ["--treatment", "treat", "--outcome", "y", "--covariate", "age", "--covariate", "group"]
# (kind, file text, extra args, fragments the one-line message must contain)
CORPUS = [
    ("inf_outcome", _with(7, 1, "inf"), [], ["'y'", "infinite", "line 7"]),
    ("r_Inf_outcome", _with(9, 1, "Inf"), [], ["'y'", "'Inf'", "line 9"]),
    ("minus_inf_covariate", _with(5, 2, "-Inf"), [], ["'age'", "'-Inf'", "line 5"]),
    ("infinity_word", _with(4, 2, "Infinity"), [], ["'age'", "infinite", "line 4"]),
    ("overflow_1e300", _with(6, 2, "1e300"), [], ["'age'", "too large", "'1e300'", "line 6"]),
    ("overflow_to_inf_1e999", _with(8, 1, "1e999"), [], ["'y'", "too large", "line 8"]),
    ("stata_dot_outcome", _with(3, 1, "."), [], ["'y'", "'.'", "Stata", "line 3"]),
    ("stata_dot_a_covariate", _with(10, 2, ".a"), [], ["'age'", "'.a'", "line 10"]),
    ("empty_treatment", _with(11, 0, ""), [], ["'treat'", "empty", "line 11"]),
    ("empty_text_covariate", _with(12, 3, ""), [], ["'group'", "empty", "line 12"]),
    ("na_token", _with(13, 2, "NA"), [], ["'age'", "empty", "line 13"]),
    ("duplicate_header", _csv(_good_rows(), header="treat,y,age,age"), ["--covariates", "age"],
     ["'age' twice", "columns 3 and 4"]),
    ("empty_header", _csv(_good_rows(), header="treat,y,,group"), [], ["column 3 has no name"]),
    ("ragged_row", _csv(_good_rows()).replace("\n", "\n1,2,3,a,extra\n", 1), [], ["line 2 has 5 fields", "4 columns"]),
    ("stray_text_covariate", _with(14, 2, "n.a."), [], ["'age'", "n.a."]),
    ("non_binary_treatment", _with(2, 0, "2"), [], ["'treat'", "0/1"]),
    ("text_outcome", _csv([[r[0], "high" if i % 2 else "low", r[2], r[3]] for i, r in enumerate(_good_rows())]),
     [], ["'y'", "numeric"]),
    ("unknown_column", _csv(_good_rows()), ["--covariate", "math score"], ["'math score'", "not in the data"]),
    ("unclosed_quote", _csv(_good_rows()) + '1,"50.1,2,a\n', [], ["could not be read"]),
    ("header_only", "treat,y,age,group\n", [], ["no rows"]),
    ("empty_cluster", _with(15, 3, ""), ["--cluster", "group"], ["'group'", "empty", "line 15"]),
]


@pytest.mark.parametrize("kind, text, extra, fragments", CORPUS, ids=[c[0] for c in CORPUS])
def test_bad_csv_gives_one_line_naming_the_problem(kind, text, extra, fragments, tmp_path, capsys):
    path = tmp_path / f"{kind}.csv"
    path.write_text(text)
    args = BASE if not any(a.startswith("--covariate") for a in extra) else BASE[:4]
    code = main(["effect", "--csv", str(path), *args, *extra, "--no-checks"])
    captured = capsys.readouterr()
    assert code == 2, (kind, captured)
    message = captured.err.strip()
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith(f"error: {kind}.csv: ") or message.startswith(f"error: {kind}.csv")
    for fragment in fragments:
        assert fragment in message, (kind, fragment, message)


def test_corpus_has_at_least_fifteen_kinds():
    assert len({kind for kind, *_ in CORPUS}) >= 15


def test_semicolon_decimal_comma_file_is_detected_and_names_are_kept(tmp_path, capsys):
    rows = [[r[0], r[1].replace(".", ","), r[2].replace(".", ","), r[3]] for r in _good_rows(200)]
    path = tmp_path / "excel.csv"
    path.write_text(_csv(rows, header="treat;math score;Race/Ethnicity, age;group", sep=";"))
    code = main(["effect", "--csv", str(path), "--treatment", "treat", "--outcome", "math score",
                 "--covariate", "Race/Ethnicity, age", "--covariate", "group", "--no-checks", "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    payload = json.loads(captured.out)
    assert payload["diagnostics"]["settings"]["covariates"] == ["Race/Ethnicity, age", "group"]
    expected = np.mean([float(r[1].replace(",", ".")) for r in rows if r[0] == "1"])
    assert payload["diagnostics"]["n"] == 200
    naive = next(r for r in payload["rows"] if r["method"] == "difference_in_means")
    control = np.mean([float(r[1].replace(",", ".")) for r in rows if r[0] == "0"])
    assert naive["estimate"] == pytest.approx(expected - control)


def test_explicit_decimal_comma_in_a_tab_file(tmp_path, capsys):
    rows = [[r[0], r[1].replace(".", ","), r[2].replace(".", ","), r[3]] for r in _good_rows(100)]
    path = tmp_path / "tabs.csv"
    path.write_text(_csv(rows, header="treat\ty\tage\tgroup", sep="\t"))
    code = main(["effect", "--csv", str(path), *BASE, "--decimal", ",", "--no-checks", "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert json.loads(captured.out)["diagnostics"]["n"] == 100
