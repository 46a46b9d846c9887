"""CSV parsing: headers, encodings, and one quarantined cell per problem with its reason."""
import pytest

from analytics.student_schema import normalise_category, normalise_header
from pipelines.errors import PipelineError
from pipelines.student_rows import parse_students_csv

KAGGLE = ('"gender","race/ethnicity","parental level of education","lunch","test preparation course",'
          '"math score","reading score","writing score"\n')
GOOD = '"female","group B","bachelor\'s degree","standard","none","72","72","74"\n'


def write(tmp_path, text, name="s.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_header_mapping():
    assert normalise_header("  Race/Ethnicity ") == "race_ethnicity"
    assert normalise_header("\ufeffgender") == "gender"
    assert normalise_header("math_score") == "math_score"
    assert normalise_category("race_ethnicity", " GROUP b ") == "group B"
    assert normalise_category("lunch", "Free/Reduced") == "free/reduced"
    assert normalise_category("gender", "other") is None


def test_kaggle_and_snake_case_headers_load(tmp_path):
    parsed = parse_students_csv(write(tmp_path, KAGGLE + GOOD))
    assert len(parsed.good) == 1 and parsed.good[0]["race_ethnicity"] == "group B"
    snake = "gender,race_ethnicity,parental_education,lunch,test_prep,math_score,reading_score,writing_score\n"
    parsed = parse_students_csv(write(tmp_path, snake + "male,group C,high school,free/reduced,completed,50,60,55\n"))
    assert parsed.good[0]["math_score"] == 50 and parsed.rejected == []


def test_bom_and_cp932_files(tmp_path):
    parsed = parse_students_csv(write(tmp_path, "\ufeff" + KAGGLE + GOOD))
    assert parsed.encoding == "utf-8-sig" and len(parsed.good) == 1
    text = KAGGLE.rstrip("\n") + ',"備考"\n' + GOOD.rstrip("\n") + ',"欠席あり"\n'
    parsed = parse_students_csv(write(tmp_path, text, encoding="cp932"))
    assert parsed.encoding == "cp932" and len(parsed.good) == 1 and parsed.ignored_columns == ["備考"]


@pytest.mark.parametrize("row, column, reason", [
    ('"female","group B","bachelor\'s degree","standard","none","","72","74"', "math_score", "missing_value"),
    ('"female","group B","bachelor\'s degree","standard","none","NA","72","74"', "math_score", "missing_value"),
    ('"female","group B","bachelor\'s degree","standard","none","abc","72","74"', "math_score", "not_a_number"),
    ('"female","group B","bachelor\'s degree","standard","none","101","72","74"', "math_score", "out_of_range"),
    ('"female","group B","bachelor\'s degree","standard","none","-3","72","74"', "math_score", "out_of_range"),
    ('"female","group B","bachelor\'s degree","standard","none","71.5","72","74"', "math_score", "not_an_integer"),
    ('"female","group Z","bachelor\'s degree","standard","none","70","72","74"', "race_ethnicity", "unknown_category"),
    ('"n/a","group B","bachelor\'s degree","standard","none","70","72","74"', "gender", "missing_value"),
    ('"female","group B","bachelor\'s degree","standard","none","70","72"', "*", "wrong_field_count"),
])
def test_bad_rows_are_quarantined_with_reason(tmp_path, row, column, reason):
    parsed = parse_students_csv(write(tmp_path, KAGGLE + GOOD + row + "\n"))
    assert len(parsed.good) == 1
    assert [(r["line_no"], r["column_name"], r["reason"].split(" (")[0]) for r in parsed.rejected] == \
        [(3, column, reason)]


def test_whitespace_and_case_are_cleaned_and_duplicates_caught(tmp_path):
    messy = '" Female ","Group b","Bachelor\'s Degree","STANDARD"," none ","72 ","72","74"\n'
    parsed = parse_students_csv(write(tmp_path, KAGGLE + GOOD + messy))
    assert len(parsed.good) == 1
    assert parsed.rejected[0]["reason"] == "duplicate_row (same as line 2)"


def test_missing_columns_fail_naming_them(tmp_path):
    with pytest.raises(PipelineError, match="missing required column\\(s\\): lunch, math_score"):
        parse_students_csv(write(tmp_path, "gender,race_ethnicity,parental_education,test_prep,"
                                           "reading_score,writing_score\n"))


def test_empty_file_fails_clearly(tmp_path):
    with pytest.raises(PipelineError, match="file is empty"):
        parse_students_csv(write(tmp_path, ""))


def test_header_only_file_loads_nothing(tmp_path):
    parsed = parse_students_csv(write(tmp_path, KAGGLE))
    assert parsed.good == [] and parsed.rejected == []
