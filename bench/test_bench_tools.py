"""Tests of the district generator and the package checker: python3 -m unittest discover -s bench"""

import csv
import hashlib
import io
import subprocess
import sys
import tempfile
import unittest
from contextlib import redirect_stdout
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import check_package  # noqa: E402

SMALL = ["--students", "300", "--teachers", "20", "--schools", "3", "--classes", "80",
         "--enrollments-per-student", "6"]


def generate(folder: Path, *extra: str, sizes: list[str] = SMALL) -> str:
    """Run the generator and return its standard error."""
    result = subprocess.run(
        [sys.executable, str(BENCH / "generate_district.py"), "--out", str(folder), *sizes, *extra],
        capture_output=True, text=True, check=True,
    )
    return result.stderr


def check(path: Path) -> tuple[int, str]:
    output = io.StringIO()
    with redirect_stdout(output):
        status = check_package.main([str(path), "--limit", "50"])
    return status, output.getvalue()


def digest(folder: Path) -> str:
    hasher = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        hasher.update(path.name.encode())
        hasher.update(path.read_bytes())
    return hasher.hexdigest()


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


class GeneratorTests(unittest.TestCase):
    def setUp(self) -> None:
        self.directory = tempfile.TemporaryDirectory()
        self.root = Path(self.directory.name)

    def tearDown(self) -> None:
        self.directory.cleanup()

    def test_same_seed_same_bytes(self) -> None:
        generate(self.root / "a", "--seed", "7")
        generate(self.root / "b", "--seed", "7")
        generate(self.root / "c", "--seed", "8")
        self.assertEqual(digest(self.root / "a"), digest(self.root / "b"))
        self.assertNotEqual(digest(self.root / "a"), digest(self.root / "c"))

    def test_clean_package_passes_checker(self) -> None:
        for version in ("1.1", "1.2"):
            folder = self.root / version
            generate(folder, "--version", version)
            status, output = check(folder)
            self.assertEqual(status, 0, output)
            self.assertIn("0 errors, 0 warnings", output)

    def test_counts_and_class_rules(self) -> None:
        folder = self.root / "counts"
        generate(folder)
        users = rows(folder / "users.csv")
        enrollments = rows(folder / "enrollments.csv")
        classes = rows(folder / "classes.csv")
        self.assertEqual(sum(1 for user in users if user["role"] == "student"), 300)
        self.assertEqual(sum(1 for user in users if user["role"] == "teacher"), 20)
        self.assertEqual(len(classes), 80)
        self.assertEqual(sum(1 for row in enrollments if row["role"] == "student"), 1800)
        primaries = [
            row["classSourcedId"] for row in enrollments if row["role"] == "teacher" and row["primary"] == "true"
        ]
        self.assertEqual(sorted(primaries), sorted(row["sourcedId"] for row in classes))
        self.assertIn("homeroom", {row["classType"] for row in classes})

    def test_users_shortcut_scales_counts(self) -> None:
        folder = self.root / "shortcut"
        generate(folder, sizes=["--users", "5000", "--students", "4700"])
        users = rows(folder / "users.csv")
        self.assertEqual(len(users), 5000)
        self.assertEqual(sum(1 for user in users if user["role"] == "student"), 4700)
        self.assertEqual(len(rows(folder / "orgs.csv")), 1 + 7)

    def test_version_1_2_layout(self) -> None:
        folder = self.root / "v12"
        generate(folder, "--version", "1.2", "--zip")
        with open(folder / "users.csv", encoding="utf-8") as handle:
            header = handle.readline().strip().split(",")
        self.assertNotIn("orgSourcedIds", header)
        self.assertNotIn("role", header)
        self.assertEqual(header[-1], "pronouns")
        self.assertTrue((folder / "roles.csv").exists())
        self.assertEqual(check(self.root / "v12.zip")[0], 0)

    def test_injected_problems_are_found(self) -> None:
        folder = self.root / "bad"
        notes = generate(folder, "--inject-problems")
        self.assertEqual(notes.count("injected:"), 4)
        status, output = check(folder)
        self.assertEqual(status, 1)
        self.assertIn("[duplicate-id] users.csv", output)
        self.assertIn("[reference] users.csv", output)
        self.assertIn("[enum-case] users.csv", output)
        self.assertIn("'Student'", output)
        self.assertIn("[grade] users.csv", output)
        self.assertIn("'K'", output)
        self.assertIn("4 errors", output)


class CheckerTests(unittest.TestCase):
    def setUp(self) -> None:
        self.directory = tempfile.TemporaryDirectory()
        self.folder = Path(self.directory.name) / "package"
        generate(self.folder)

    def tearDown(self) -> None:
        self.directory.cleanup()

    def rewrite(self, name: str, edit) -> None:
        path = self.folder / name
        with open(path, encoding="utf-8", newline="") as handle:
            table = list(csv.reader(handle))
        edit(table)
        with open(path, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(table)

    def test_swapped_columns_reported(self) -> None:
        def swap(table: list[list[str]]) -> None:
            for row in table:
                row[4], row[5] = row[5], row[4]

        self.rewrite("orgs.csv", swap)
        status, output = check(self.folder)
        self.assertEqual(status, 1)
        self.assertIn("[column-order] orgs.csv:1", output)

    def test_duplicate_enrollment_reported(self) -> None:
        self.rewrite("enrollments.csv", lambda table: table.append(list(table[5])))
        status, output = check(self.folder)
        self.assertEqual(status, 1)
        self.assertIn("[duplicate-id] enrollments.csv", output)

    def test_missing_manifest_key_reported(self) -> None:
        self.rewrite("manifest.csv", lambda table: table.remove(["file.lineItems", "absent"]))
        status, output = check(self.folder)
        self.assertEqual(status, 1)
        self.assertIn("'file.lineItems' is missing", output)

    def test_class_without_teacher_warned(self) -> None:
        self.rewrite("enrollments.csv", lambda table: table.pop(1))
        status, output = check(self.folder)
        self.assertEqual(status, 0)
        self.assertIn("[primary-teacher]", output)

    def test_byte_order_mark_accepted(self) -> None:
        path = self.folder / "orgs.csv"
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
        self.assertEqual(check(self.folder)[0], 0)


if __name__ == "__main__":
    unittest.main()
