#!/usr/bin/env python3
"""Generate a synthetic school district as a OneRoster 1.1 or 1.2 CSV package.

The output is deterministic for a given --seed and set of options. Rows are
streamed to disk, so memory stays bounded by the number of classes and staff,
not by the number of enrollments. Standard library only (Python 3.11).

Example (the bundled example district):
    python3 bench/generate_district.py --students 1500 --teachers 100 --schools 3 \\
        --classes 400 --enrollments-per-student 7.7 --seed 2027 \\
        --out connectors/sis/fixtures/example-district
"""

import argparse
import sys
import time
from pathlib import Path

from district_plan import DistrictPlan, PlanOptions
from district_writer import write_package


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got '{text}'")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got '{text}'")
    return value


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Write a synthetic OneRoster CSV package (orgs, sessions, courses, classes, users, "
        "enrollments, demographics) into a folder."
    )
    parser.add_argument("--out", required=True, type=Path, help="folder to write the CSV files into")
    parser.add_argument("--version", choices=["1.1", "1.2"], default="1.1", help="OneRoster CSV binding version")
    parser.add_argument(
        "--users",
        type=positive_int,
        help="benchmark shortcut: total users; sets students to 94%%, teachers to the rest minus administrators, "
        "10 enrollments per student, about 27 students per class and one school per 700 students, "
        "unless those options are given too",
    )
    parser.add_argument("--students", type=positive_int, help="number of students (default 1500)")
    parser.add_argument("--teachers", type=positive_int, help="number of teachers (default 100)")
    parser.add_argument("--schools", type=positive_int, help="number of schools (default 3)")
    parser.add_argument("--classes", type=positive_int, help="number of classes, homerooms included (default 400)")
    parser.add_argument(
        "--enrollments-per-student",
        type=positive_float,
        help="average classes per student, homeroom included; fractions spread evenly (default 7.7)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed; equal seeds give equal packages")
    parser.add_argument("--school-year", type=int, default=2027, help="calendar year in which the school year ends")
    parser.add_argument(
        "--district-name", default="Lakeview Unified School District", help="name of the district org"
    )
    parser.add_argument("--zip", action="store_true", help="also write <out>.zip with the CSV files at its root")
    parser.add_argument(
        "--inject-problems",
        action="store_true",
        help="add four deliberate data problems (duplicate sourcedId, unknown org, role 'Student', grade 'K')",
    )
    return parser.parse_args(argv)


def plan_options(arguments: argparse.Namespace) -> PlanOptions:
    """Resolve the counts, applying the --users shortcut to the options not given explicitly."""
    if arguments.users is not None:
        students = arguments.students or max(1, round(arguments.users * 0.94))
        per_student = arguments.enrollments_per_student or 10.0
        schools = arguments.schools or max(1, round(students / 700))
        classes = arguments.classes or max(schools, round(students * per_student / 27))
        administrators = DistrictPlan.administrator_count(schools)
        teachers = arguments.teachers or max(schools, arguments.users - students - administrators)
    else:
        students = arguments.students or 1500
        per_student = arguments.enrollments_per_student or 7.7
        schools = arguments.schools or 3
        classes = arguments.classes or 400
        teachers = arguments.teachers or 100
    if teachers < schools:
        raise SystemExit(f"error: --teachers {teachers} is fewer than --schools {schools}; every school needs one")
    return PlanOptions(
        students=students,
        teachers=teachers,
        schools=schools,
        classes=classes,
        enrollments_per_student=per_student,
        seed=arguments.seed,
        school_year=arguments.school_year,
        district_name=arguments.district_name,
        version=arguments.version,
        inject_problems=arguments.inject_problems,
    )


def main(argv: list[str]) -> int:
    arguments = parse_arguments(argv)
    options = plan_options(arguments)
    started = time.monotonic()
    plan = DistrictPlan(options)
    counts = write_package(plan, arguments.out, make_zip=arguments.zip)
    elapsed = time.monotonic() - started
    summary = ", ".join(f"{name} {count}" for name, count in counts.items())
    print(f"wrote {arguments.out} (OneRoster {options.version}) in {elapsed:.1f} s: {summary}", file=sys.stderr)
    for note in plan.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
