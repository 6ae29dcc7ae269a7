#!/usr/bin/env python3
"""Derive a second OneRoster CSV package from a generated one, as a later day's export of the same district.

The derived package renames a few users, drops a few student enrollments, adds new students (each a copy of
an existing student's school, grade, classes and demographics under new ids) and moves a few classes to
another room. Every sourcedId that stays keeps its value, so a sync from one package to the other is an
update of a few percent of the records, not a replacement. A sync in either direction must remove less
than 5% of the records of any entity. The script stops with an error when the chosen fractions would remove
more.

The output is deterministic for the base package and --seed. Files are streamed row by row, so memory grows
with the number of new students and not with the package. Standard library only (Python 3.11).

Example:
    python3 bench/mutate_package.py --base bench/data/100k --out bench/data/100k-derived --seed 1
"""

import argparse
import csv
import random
import shutil
import sys
from pathlib import Path

# A derived package may remove at most this share of any entity's records, in either sync direction.
MAX_REMOVED_SHARE = 0.05


def fraction(text: str) -> float:
    value = float(text)
    if not 0 <= value < MAX_REMOVED_SHARE:
        raise argparse.ArgumentTypeError(f"expected a fraction from 0 to below {MAX_REMOVED_SHARE}, got '{text}'")
    return value


def share(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a fraction from 0 to 1, got '{text}'")
    return value


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Write a package that differs from BASE by a few percent.")
    parser.add_argument("--base", required=True, type=Path, help="folder of the package to start from")
    parser.add_argument("--out", required=True, type=Path, help="folder to write the derived package into")
    parser.add_argument("--seed", type=int, default=1, help="random seed; equal seeds give equal packages")
    parser.add_argument("--rename", type=share, default=0.03, help="share of users renamed (default 0.03)")
    parser.add_argument(
        "--drop-enrollments", type=fraction, default=0.02, help="share of enrollments removed (default 0.02)"
    )
    parser.add_argument(
        "--new-students", type=fraction, default=0.01, help="new students as a share of users (default 0.01)"
    )
    parser.add_argument(
        "--change-classes", type=share, default=0.03, help="share of classes given a new room (default 0.03)"
    )
    return parser.parse_args(argv)


def new_sourced_id(rng: random.Random) -> str:
    """Return a GUID-shaped id drawn from the generator, in the shape the district generator writes."""
    digits = f"{rng.getrandbits(128):032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


class CsvRows:
    """One CSV file of a package, read as a header and rows of strings."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open(newline="", encoding="utf-8") as handle:
            self.header = next(csv.reader(handle))
        self.index = {name: position for position, name in enumerate(self.header)}

    def rows(self):
        with self.path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader)
            yield from reader

    def column(self, name: str) -> int:
        if name not in self.index:
            sys.exit(f"error: {self.path} has no '{name}' column; expected a package from generate_district.py")
        return self.index[name]


class CsvOutput:
    """A CSV file being written with the generator's conventions: RFC 4180 quoting and LF line ends."""

    def __init__(self, path: Path, header: list[str]) -> None:
        self.handle = path.open("w", newline="", encoding="utf-8")
        self.writer = csv.writer(self.handle, lineterminator="\n")
        self.writer.writerow(header)
        self.count = 0

    def write(self, row: list[str]) -> None:
        self.writer.writerow(row)
        self.count += 1

    def close(self) -> None:
        self.handle.close()


def count_rows(rows: CsvRows) -> int:
    return sum(1 for _ in rows.rows())


def check_removed_share(entity: str, removed: int, total: int) -> None:
    if total and removed / total >= MAX_REMOVED_SHARE:
        sys.exit(
            f"error: a sync between the packages would remove {removed} of {total} {entity} records, "
            f"{MAX_REMOVED_SHARE:.0%} or more; lower the fractions"
        )


class Mutation:
    """The chosen changes: which users are renamed, which students serve as templates for new ones."""

    def __init__(self, arguments: argparse.Namespace) -> None:
        self.arguments = arguments
        self.rng = random.Random(arguments.seed)
        self.renamed: dict[str, tuple[str, str]] = {}
        # Template student sourcedId -> the new students copied from it.
        self.copies: dict[str, list[str]] = {}
        self.counts: dict[str, int] = {}

    def write_users(self, source: CsvRows, output: CsvOutput) -> None:
        given_column = source.column("givenName")
        family_column = source.column("familyName")
        id_column = source.column("sourcedId")
        role_column = source.index.get("role")
        grades_column = source.column("grades")
        total = count_rows(source)

        # First pass: pick renamed users and student templates, and collect names to draw new ones from.
        rename_count = round(total * self.arguments.rename)
        new_count = round(total * self.arguments.new_students)
        renamed_rows = set(self.rng.sample(range(total), rename_count))
        given_names: list[str] = []
        family_names: list[str] = []
        student_rows: list[int] = []
        for number, row in enumerate(source.rows()):
            if number % 50 == 0:
                given_names.append(row[given_column])
                family_names.append(row[family_column])
            # 1.2 users have no role column, so there a user with grades counts as a student.
            is_student = row[role_column] == "student" if role_column is not None else bool(row[grades_column])
            if is_student:
                student_rows.append(number)
        if not student_rows or not given_names:
            sys.exit(f"error: {source.path} has no students to copy; expected a package from generate_district.py")
        templates = [self.rng.choice(student_rows) for _ in range(new_count)]
        template_rows: dict[int, list[int]] = {}
        for position, number in enumerate(templates):
            template_rows.setdefault(number, []).append(position)

        # Second pass: write every user, renamed where chosen, then the new students.
        new_rows: list[list[str]] = []
        for number, row in enumerate(source.rows()):
            if number in renamed_rows:
                if self.rng.random() < 0.5:
                    row[given_column] = self.rng.choice(given_names)
                else:
                    row[family_column] = self.rng.choice(family_names)
                self.renamed[row[id_column]] = (row[given_column], row[family_column])
            output.write(row)
            for position in template_rows.get(number, []):
                new_rows.append(self.new_student(source, row, position, given_names, family_names))
        for row in new_rows:
            output.write(row)
        self.counts["users renamed"] = len(self.renamed)
        self.counts["users added"] = len(new_rows)
        check_removed_share("users", len(new_rows), total + len(new_rows))

    def new_student(
        self, source: CsvRows, template: list[str], position: int, given_names: list[str], family_names: list[str]
    ) -> list[str]:
        row = list(template)
        sourced_id = new_sourced_id(self.rng)
        self.copies.setdefault(template[source.column("sourcedId")], []).append(sourced_id)
        given = self.rng.choice(given_names)
        family = self.rng.choice(family_names)
        row[source.column("sourcedId")] = sourced_id
        row[source.column("givenName")] = given
        row[source.column("familyName")] = family
        # The generator numbers students from 2,000,000, so below 7 million students these stay unique.
        identifier = str(9_000_000 + position)
        username = f"new.student.{identifier}"
        if "username" in source.index:
            row[source.column("username")] = username
        if "identifier" in source.index:
            row[source.column("identifier")] = identifier
        if "userIds" in source.index:
            row[source.column("userIds")] = "{SIS:" + identifier + "}"
        if "email" in source.index and row[source.column("email")]:
            domain = row[source.column("email")].partition("@")[2]
            row[source.column("email")] = f"{username}@{domain}"
        if "middleName" in source.index:
            row[source.column("middleName")] = ""
        return row

    def write_user_rows(self, name: str, source: CsvRows, output: CsvOutput) -> None:
        """Copy a file whose rows point at users (enrollments, roles), adding rows for new students."""
        id_column = source.column("sourcedId")
        user_column = source.column("userSourcedId")
        role_column = source.index.get("role")
        drop = self.arguments.drop_enrollments if name == "enrollments" else 0.0
        total = count_rows(source)
        drop_count = round(total * drop)
        # Only student rows are dropped, so every class keeps its primary teacher.
        student_numbers = [
            number
            for number, row in enumerate(source.rows())
            if role_column is None or row[role_column] == "student"
        ]
        dropped = set(self.rng.sample(student_numbers, min(drop_count, len(student_numbers))))
        added: list[list[str]] = []
        for number, row in enumerate(source.rows()):
            for copy_id in self.copies.get(row[user_column], []):
                copy = list(row)
                copy[id_column] = new_sourced_id(self.rng)
                copy[user_column] = copy_id
                added.append(copy)
            if number not in dropped:
                output.write(row)
        for row in added:
            output.write(row)
        self.counts[f"{name} dropped"] = len(dropped)
        self.counts[f"{name} added"] = len(added)
        check_removed_share(name, len(dropped), total)
        check_removed_share(name, len(added), output.count)

    def write_demographics(self, source: CsvRows, output: CsvOutput) -> None:
        """Copy demographics, giving each new student its template's row under the new student's id."""
        id_column = source.column("sourcedId")
        added: list[list[str]] = []
        for row in source.rows():
            output.write(row)
            for copy_id in self.copies.get(row[id_column], []):
                copy = list(row)
                copy[id_column] = copy_id
                added.append(copy)
        for row in added:
            output.write(row)
        self.counts["demographics added"] = len(added)

    def write_classes(self, source: CsvRows, output: CsvOutput) -> None:
        location_column = source.column("location")
        total = count_rows(source)
        changed = set(self.rng.sample(range(total), round(total * self.arguments.change_classes)))
        for number, row in enumerate(source.rows()):
            if number in changed:
                row[location_column] = f"Room {self.rng.randint(100, 399)}"
            output.write(row)
        self.counts["classes changed"] = len(changed)


def derive(arguments: argparse.Namespace) -> dict[str, int]:
    base: Path = arguments.base
    out: Path = arguments.out
    if not (base / "manifest.csv").is_file() or not (base / "users.csv").is_file():
        sys.exit(f"error: '{base}' has no manifest.csv or users.csv; expected a package from generate_district.py")
    if out.resolve() == base.resolve():
        sys.exit(f"error: --out '{out}' is the base package; choose another folder")
    if out.exists() and any(out.iterdir()):
        sys.exit(f"error: --out '{out}' is not empty; remove it or choose another folder")
    out.mkdir(parents=True, exist_ok=True)

    mutation = Mutation(arguments)
    # Users come first: they choose the new students that the files pointing at users copy.
    ordered = ["users"] + sorted(path.stem for path in base.glob("*.csv") if path.stem != "users")
    for name in ordered:
        source = CsvRows(base / f"{name}.csv")
        if name == "manifest":
            shutil.copyfile(source.path, out / source.path.name)
            continue
        output = CsvOutput(out / f"{name}.csv", source.header)
        if name == "users":
            mutation.write_users(source, output)
        elif name == "demographics":
            mutation.write_demographics(source, output)
        elif name == "classes":
            mutation.write_classes(source, output)
        elif "userSourcedId" in source.index:
            mutation.write_user_rows(name, source, output)
        else:
            for row in source.rows():
                output.write(row)
        output.close()
    return mutation.counts


def main(argv: list[str]) -> int:
    arguments = parse_arguments(argv)
    counts = derive(arguments)
    print(", ".join(f"{label} {count}" for label, count in counts.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
