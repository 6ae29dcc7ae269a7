#!/usr/bin/env python3
"""Check a OneRoster 1.1 or 1.2 CSV package (a folder or a ZIP) on its own, independently of Rollbook.

Errors: manifest keys and modes, column names and order, field counts, required values, enumerations,
booleans, dates, grade codes, duplicate sourcedIds, references that do not resolve, more than one primary
role per user and org (1.2). Warnings: classes without exactly one primary teacher, enrollments whose school
differs from the class's school, students enrolled in a class of a school they do not belong to.

Standard library only (Python 3.11). Exit status: 0 without errors, 1 with errors, 2 when the package
cannot be read. Memory grows with the number of users and classes, not with the number of enrollments.
"""

import argparse
import csv
import datetime
import io
import re
import sys
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Callable, Iterator

COMMON = ["sourcedId", "status", "dateLastModified"]

# Column order per file, written from the OneRoster CSV binding tables.
COLUMNS_1_1 = {
    "orgs": COMMON + ["name", "type", "identifier", "parentSourcedId"],
    "academicSessions": COMMON + ["title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear"],
    "courses": COMMON + ["schoolYearSourcedId", "title", "courseCode", "grades", "orgSourcedId", "subjects",
                         "subjectCodes"],
    "classes": COMMON + ["title", "grades", "courseSourcedId", "classCode", "classType", "location",
                         "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods"],
    "users": COMMON + ["enabledUser", "orgSourcedIds", "role", "username", "userIds", "givenName", "familyName",
                       "middleName", "identifier", "email", "sms", "phone", "agentSourcedIds", "grades",
                       "password"],
    "enrollments": COMMON + ["classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary",
                             "beginDate", "endDate"],
    "demographics": COMMON + ["birthDate", "sex", "americanIndianOrAlaskaNative", "asian",
                              "blackOrAfricanAmerican", "nativeHawaiianOrOtherPacificIslander", "white",
                              "demographicRaceTwoOrMoreRaces", "hispanicOrLatinoEthnicity", "countryOfBirthCode",
                              "stateOfBirthAbbreviation", "cityOfBirth", "publicSchoolResidenceStatus"],
}
USERS_1_2_1 = COMMON + ["enabledUser", "username", "userIds", "givenName", "familyName", "middleName", "identifier",
                        "email", "sms", "phone", "agentSourcedIds", "grades", "password", "userMasterIdentifier",
                        "preferredGivenName", "preferredMiddleName", "preferredFamilyName", "primaryOrgSourcedId",
                        "pronouns"]
# The 2022 1.2 text has resourceSourcedIds after userMasterIdentifier; the 1.2.1 errata removed it.
USERS_1_2 = USERS_1_2_1[:17] + ["resourceSourcedIds"] + USERS_1_2_1[17:]
COLUMNS_1_2 = {
    **{name: columns for name, columns in COLUMNS_1_1.items() if name != "users"},
    "users": USERS_1_2,
    "roles": COMMON + ["userSourcedId", "roleType", "role", "beginDate", "endDate", "orgSourcedId",
                       "userProfileSourcedId"],
    "userProfiles": COMMON + ["userSourcedId", "profileType", "vendorId", "applicationId", "description",
                              "credentialType", "username", "password"],
}

MANIFEST_FILES_1_1 = ["academicSessions", "categories", "classes", "classResources", "courses", "courseResources",
                      "demographics", "enrollments", "lineItems", "orgs", "resources", "results", "users"]
MANIFEST_FILES_1_2 = MANIFEST_FILES_1_1 + ["lineItemLearningObjectiveIds", "lineItemScoreScales",
                                           "resultLearningObjectiveIds", "resultScoreScales", "roles",
                                           "scoreScales", "userProfiles", "userResources"]
# Files read in this order, so a reference to an earlier file can be checked while streaming.
ROSTER_ORDER = ["orgs", "academicSessions", "courses", "classes", "users", "userProfiles", "roles",
                "enrollments", "demographics"]

ENUMS_1_1 = {
    "status": ["active", "tobedeleted"],
    "orgType": ["department", "school", "district", "local", "state", "national"],
    "sessionType": ["gradingPeriod", "semester", "schoolYear", "term"],
    "classType": ["homeroom", "scheduled"],
    "userRole": ["administrator", "aide", "guardian", "parent", "proctor", "relative", "student", "teacher"],
    "enrollmentRole": ["administrator", "proctor", "student", "teacher"],
    "sex": ["male", "female"],
    "roleType": ["primary", "secondary"],
    "roleRole": ["aide", "counselor", "districtAdministrator", "guardian", "parent", "principal", "proctor",
                 "relative", "siteAdministrator", "student", "systemAdministrator", "teacher"],
}
SEX_1_2 = ENUMS_1_1["sex"] + ["unspecified", "other"]
GRADES = {"IT", "PR", "PK", "TK", "KG", "PS", "UG", "Other"} | {f"{number:02d}" for number in range(1, 14)}
MANIFEST_MODES = {"absent", "bulk", "delta"}

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
YEAR = re.compile(r"\d{4}")
EXTENSION = re.compile(r"ext:[A-Za-z0-9.\-_]+")
USER_ID = re.compile(r"\{[^:}]+:[^}]+\}")


class Report:
    """Collects problems; prints the first few of each rule and counts the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.counts: dict[tuple[str, str], int] = defaultdict(int)
        self.lines: list[str] = []

    def add(self, severity: str, rule: str, where: str, message: str) -> None:
        key = (severity, rule)
        self.counts[key] += 1
        if self.counts[key] <= self.limit:
            self.lines.append(f"{severity} [{rule}] {where}: {message}")

    def error(self, rule: str, where: str, message: str) -> None:
        self.add("error", rule, where, message)

    def warning(self, rule: str, where: str, message: str) -> None:
        self.add("warning", rule, where, message)

    def total(self, severity: str) -> int:
        return sum(count for (kind, _), count in self.counts.items() if kind == severity)

    def print(self, out) -> None:
        for line in self.lines:
            print(line, file=out)
        for (severity, rule), count in sorted(self.counts.items()):
            if count > self.limit:
                print(f"{severity} [{rule}]: {count - self.limit} more not shown", file=out)


class Package:
    """Opens the files of a package folder or ZIP by exact name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.archive = zipfile.ZipFile(path) if path.is_file() else None
        if self.archive is not None:
            self.names = {name for name in self.archive.namelist() if not name.endswith("/")}
        else:
            self.names = {entry.name for entry in path.iterdir() if entry.is_file()}

    def open(self, name: str) -> io.TextIOBase:
        # utf-8-sig drops a leading byte order mark, which readers must tolerate.
        if self.archive is not None:
            return io.TextIOWrapper(self.archive.open(name), encoding="utf-8-sig", newline="")
        return open(self.path / name, encoding="utf-8-sig", newline="")


def read_rows(package: Package, name: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, fields) for every row after the header."""
    with package.open(name) as handle:
        reader = csv.reader(handle, strict=True)
        next(reader, None)
        for row in reader:
            yield reader.line_num, row


def read_header(package: Package, name: str) -> list[str] | None:
    with package.open(name) as handle:
        return next(csv.reader(handle, strict=True), None)


class BloomDuplicates:
    """Finds duplicate sourcedIds in a large file without holding every id: a bit array marks ids seen,
    and only ids whose bits were all set already are counted exactly in a second pass."""

    BITS = 1 << 28

    def __init__(self) -> None:
        self.bits = bytearray(self.BITS // 8)
        self.candidates: set[str] = set()

    def add(self, value: str) -> None:
        hashed = hash(value) & 0xFFFFFFFFFFFFFFFF
        first = hashed & (self.BITS - 1)
        second = (hashed >> 32) & (self.BITS - 1)
        bits = self.bits
        seen = bits[first >> 3] & (1 << (first & 7)) and bits[second >> 3] & (1 << (second & 7))
        if seen:
            self.candidates.add(value)
        bits[first >> 3] |= 1 << (first & 7)
        bits[second >> 3] |= 1 << (second & 7)


class Checker:
    """Checks one package and records what it finds in a Report."""

    def __init__(self, package: Package, report: Report) -> None:
        self.package = package
        self.report = report
        self.version = "1.1"
        self.modes: dict[str, str] = {}
        self.row_counts: dict[str, int] = {}
        self.ids: dict[str, set[str]] = defaultdict(set)
        self.class_school: dict[str, str] = {}
        self.user_orgs: dict[str, object] = {}
        self.user_role: dict[str, str] = {}
        self.primary_teachers: dict[str, int] = defaultdict(int)
        self.primary_roles: set[tuple[str, str]] = set()

    def run(self) -> None:
        self.check_manifest()
        columns = COLUMNS_1_1 if self.version == "1.1" else COLUMNS_1_2
        for name in ROSTER_ORDER:
            if name not in columns:
                continue
            file_name = f"{name}.csv"
            if file_name not in self.package.names:
                continue
            self.check_file(name, columns[name])
        self.check_class_teachers()

    # Manifest

    def check_manifest(self) -> None:
        report = self.report
        if "manifest.csv" not in self.package.names:
            report.error("manifest-missing", "manifest.csv", "the package has no manifest.csv; add one")
            self.guess_modes()
            return
        header = read_header(self.package, "manifest.csv")
        if header != ["propertyName", "value"]:
            report.error("manifest-header", "manifest.csv:1", f"header is '{','.join(header or [])}', expected "
                         "'propertyName,value'")
        properties: dict[str, str] = {}
        for line, row in read_rows(self.package, "manifest.csv"):
            if len(row) != 2:
                report.error("field-count", f"manifest.csv:{line}", f"{len(row)} fields, expected 2")
                continue
            key, value = row
            if key in properties:
                report.error("manifest-duplicate", f"manifest.csv:{line}", f"property '{key}' appears twice")
            properties[key] = value
        version = properties.get("oneroster.version")
        if version not in ("1.1", "1.2", "1.2.1"):
            report.error("manifest-version", "manifest.csv", f"oneroster.version is '{version}', expected "
                         "'1.1', '1.2' or '1.2.1'")
        self.version = "1.1" if version in (None, "1.1") else "1.2"
        if properties.get("manifest.version") != "1.0":
            report.error("manifest-version", "manifest.csv",
                         f"manifest.version is '{properties.get('manifest.version')}', expected '1.0'")
        files = MANIFEST_FILES_1_1 if self.version == "1.1" else MANIFEST_FILES_1_2
        for name in files:
            mode = properties.get(f"file.{name}")
            if mode is None:
                report.error("manifest-key", "manifest.csv", f"property 'file.{name}' is missing; add it with "
                             "'absent', 'bulk' or 'delta'")
                mode = "bulk" if f"{name}.csv" in self.package.names else "absent"
            elif mode not in MANIFEST_MODES:
                report.error("manifest-mode", "manifest.csv", f"file.{name} is '{mode}', expected 'absent', "
                             "'bulk' or 'delta'")
            self.modes[name] = mode
            present = f"{name}.csv" in self.package.names
            if mode in ("bulk", "delta") and not present:
                report.error("file-missing", f"{name}.csv", f"the manifest says '{mode}' but the file is missing")
            if mode == "absent" and present:
                report.error("file-unexpected", f"{name}.csv", "the manifest says 'absent' but the file is present")
        known = {f"{name}.csv" for name in files} | {"manifest.csv"}
        for name in sorted(self.package.names - known):
            lowered = {item.lower(): item for item in known}
            hint = f"; the standard name is '{lowered[name.lower()]}'" if name.lower() in lowered else ""
            report.warning("file-unknown", name, f"not a OneRoster {self.version} file name{hint}")

    def guess_modes(self) -> None:
        for name in MANIFEST_FILES_1_2:
            self.modes[name] = "bulk" if f"{name}.csv" in self.package.names else "absent"
        if "roles.csv" in self.package.names:
            self.version = "1.2"

    # Files

    def check_file(self, name: str, expected: list[str]) -> None:
        report = self.report
        file_name = f"{name}.csv"
        header = read_header(self.package, file_name) or []
        if name == "users" and self.version == "1.2" and header[: len(USERS_1_2_1)] == USERS_1_2_1:
            expected = USERS_1_2_1
        standard = header[: len(expected)]
        extensions = header[len(expected):]
        if standard != expected:
            mismatch = next((index for index, (seen, want) in enumerate(zip(standard, expected)) if seen != want),
                            min(len(standard), len(expected)))
            seen = standard[mismatch] if mismatch < len(standard) else "(end of header)"
            report.error("column-order", f"{file_name}:1", f"column {mismatch + 1} is '{seen}', expected "
                         f"'{expected[mismatch]}'; the standard columns must come first, in spec order")
        for column in extensions:
            if not column.startswith("metadata."):
                report.error("column-unknown", f"{file_name}:1", f"extra column '{column}' must be named "
                             "'metadata.<name>' and placed after the standard columns")
        if len(set(header)) != len(header):
            report.error("column-duplicate", f"{file_name}:1", "a column name appears twice")
        index = {column: position for position, column in enumerate(header)}
        if any(column not in index for column in expected):
            missing = [column for column in expected if column not in index]
            report.error("column-missing", f"{file_name}:1", f"missing columns: {', '.join(missing)}; rows "
                         "were not checked")
            return
        validators = self.validators(name)
        delta = self.modes.get(name) == "delta"
        keep_ids = name not in ("enrollments", "demographics", "roles")
        id_set = self.ids[name]
        first_seen: dict[str, int] = {}
        bloom = None if keep_ids else BloomDuplicates()
        pending: list[tuple[int, str, str, str]] = []
        rows = 0
        width = len(header)
        for line, row in read_rows(self.package, file_name):
            rows += 1
            where = f"{file_name}:{line}"
            if len(row) != width:
                report.error("field-count", where, f"{len(row)} fields, expected {width} as in the header")
                continue
            sourced_id = row[0]
            if any("\n" in field or "\r" in field for field in row):
                report.error("line-break", where, "a field contains a line break, which the CSV binding forbids")
            if delta:
                for column in ("status", "dateLastModified"):
                    if not row[index[column]]:
                        report.error("required", f"{where} {column}", "empty in a delta file; fill it in")
            if keep_ids:
                if sourced_id in id_set:
                    report.error("duplicate-id", f"{where} sourcedId", f"'{sourced_id}' appears again (first at "
                                 f"row {first_seen.get(sourced_id, '?')})")
                else:
                    id_set.add(sourced_id)
                    if len(first_seen) < 100_000:
                        first_seen[sourced_id] = line
            else:
                assert bloom is not None
                bloom.add(sourced_id)
            for column, check in validators:
                value = row[index[column]]
                problem = check(value, row, index)
                if problem:
                    rule, message = problem
                    if rule == "pending":
                        pending.append((line, column, value, message))
                    else:
                        report.error(rule, f"{where} {column}", message)
        self.row_counts[file_name] = rows
        if rows == 0:
            severity = report.error if self.version == "1.2" else report.warning
            severity("header-only", file_name, "the file has a header but no rows; mark it 'absent' in the "
                     "manifest and leave it out")
        for line, column, value, target in pending:
            for item in value.split(","):
                if item.strip() and item.strip() not in self.ids[target]:
                    report.error("reference", f"{file_name}:{line} {column}", f"'{item.strip()}' is not a "
                                 f"sourcedId in {target}.csv")
        if bloom is not None and bloom.candidates:
            self.report_bloom_duplicates(file_name, bloom.candidates)

    def report_bloom_duplicates(self, file_name: str, candidates: set[str]) -> None:
        first_line: dict[str, int] = {}
        for line, row in read_rows(self.package, file_name):
            if not row or row[0] not in candidates:
                continue
            if row[0] in first_line:
                self.report.error("duplicate-id", f"{file_name}:{line} sourcedId", f"'{row[0]}' appears again "
                                  f"(first at row {first_line[row[0]]})")
            else:
                first_line[row[0]] = line

    # Field rules

    def validators(self, name: str) -> list[tuple[str, Callable]]:
        enums = dict(ENUMS_1_1)
        if self.version == "1.2":
            enums["sex"] = SEX_1_2
        rules: list[tuple[str, Callable]] = [
            ("sourcedId", required),
            ("status", enum(enums["status"], self.version, extensible=False)),
            ("dateLastModified", datetime_value),
        ]
        version = self.version
        ref = self.reference
        if name == "orgs":
            rules += [("name", required), ("type", required_enum(enums["orgType"], version)),
                      ("parentSourcedId", self.same_file_reference("orgs"))]
        elif name == "academicSessions":
            rules += [("title", required), ("type", required_enum(enums["sessionType"], version)),
                      ("startDate", required_date), ("endDate", required_date), ("startDate", start_before_end),
                      ("parentSourcedId", self.same_file_reference("academicSessions")),
                      ("schoolYear", year_value)]
        elif name == "courses":
            rules += [("schoolYearSourcedId", ref("academicSessions", optional=True)), ("title", required),
                      ("grades", grades_value), ("orgSourcedId", ref("orgs")), ("subjects", list_value),
                      ("subjectCodes", list_value)]
        elif name == "classes":
            rules += [("title", required), ("grades", grades_value), ("courseSourcedId", ref("courses")),
                      ("classType", required_enum(enums["classType"], version)),
                      ("schoolSourcedId", ref("orgs")),
                      ("termSourcedIds", ref("academicSessions", many=True)), ("subjects", list_value),
                      ("subjectCodes", list_value), ("periods", list_value), ("sourcedId", self.record_class)]
        elif name == "users":
            rules += [("enabledUser", required_boolean), ("username", required), ("userIds", user_ids_value),
                      ("givenName", required), ("familyName", required),
                      ("agentSourcedIds", self.same_file_reference("users")), ("grades", grades_value)]
            if version == "1.1":
                rules += [("orgSourcedIds", ref("orgs", many=True)),
                          ("role", required_enum(enums["userRole"], version)),
                          ("sourcedId", self.record_user_1_1)]
            else:
                rules += [("primaryOrgSourcedId", ref("orgs", optional=True))]
        elif name == "userProfiles":
            rules += [("userSourcedId", ref("users")), ("profileType", required), ("vendorId", required),
                      ("credentialType", required), ("username", required)]
        elif name == "roles":
            rules += [("userSourcedId", ref("users")), ("roleType", required_enum(enums["roleType"], version)),
                      ("role", required_enum(enums["roleRole"], version)), ("beginDate", optional_date),
                      ("endDate", optional_date), ("orgSourcedId", ref("orgs")),
                      ("userProfileSourcedId", ref("userProfiles", optional=True)),
                      ("sourcedId", self.record_role)]
        elif name == "enrollments":
            rules += [("classSourcedId", ref("classes")), ("schoolSourcedId", ref("orgs")),
                      ("userSourcedId", ref("users")), ("role", required_enum(enums["enrollmentRole"], version)),
                      ("primary", optional_boolean), ("beginDate", optional_date), ("endDate", optional_date),
                      ("sourcedId", self.record_enrollment)]
        elif name == "demographics":
            rules += [("sourcedId", ref("users")), ("birthDate", optional_date),
                      ("sex", enum(enums["sex"], version))]
            rules += [(column, optional_boolean) for column in COLUMNS_1_1["demographics"][5:12]]
        return rules

    def reference(self, target: str, many: bool = False, optional: bool = False) -> Callable:
        ids = self.ids[target]

        def check(value: str, row: list[str], index: dict[str, int]):
            if not value:
                return None if optional else ("required", "empty; this reference is required")
            items = value.split(",") if many else [value]
            for item in items:
                item = item.strip()
                if not item:
                    return ("list", f"'{value}' has an empty item")
                if item not in ids:
                    return ("reference", f"'{item}' is not a sourcedId in {target}.csv")
            return None

        return check

    def same_file_reference(self, target: str) -> Callable:
        def check(value: str, row: list[str], index: dict[str, int]):
            return ("pending", target) if value else None

        return check

    # Cross-record consistency

    def record_class(self, value: str, row: list[str], index: dict[str, int]):
        self.class_school[value] = row[index["schoolSourcedId"]]
        return None

    def record_user_1_1(self, value: str, row: list[str], index: dict[str, int]):
        orgs = row[index["orgSourcedIds"]]
        self.user_orgs[value] = orgs if "," not in orgs else frozenset(item.strip() for item in orgs.split(","))
        self.user_role[value] = row[index["role"]]
        return None

    def record_role(self, value: str, row: list[str], index: dict[str, int]):
        user = row[index["userSourcedId"]]
        org = row[index["orgSourcedId"]]
        if row[index["roleType"]] == "primary":
            key = (user, org)
            if key in self.primary_roles:
                return ("role-primary", f"user '{user}' has a second primary role at org '{org}'; keep one")
            self.primary_roles.add(key)
        current = self.user_orgs.get(user)
        if current is None:
            self.user_orgs[user] = org
        elif isinstance(current, str):
            self.user_orgs[user] = frozenset((current, org))
        else:
            self.user_orgs[user] = current | {org}
        self.user_role.setdefault(user, row[index["role"]])
        return None

    def record_enrollment(self, value: str, row: list[str], index: dict[str, int]):
        class_id = row[index["classSourcedId"]]
        school = row[index["schoolSourcedId"]]
        role = row[index["role"]]
        class_school = self.class_school.get(class_id)
        if class_school is None:
            return None
        if school != class_school:
            self.report.warning("enrollment-school", f"enrollment '{value}'", f"school '{school}' differs from "
                                f"the class's school '{class_school}'")
        if role == "teacher" and row[index["primary"]] == "true":
            self.primary_teachers[class_id] += 1
        if role == "student":
            orgs = self.user_orgs.get(row[index["userSourcedId"]])
            member = orgs == class_school if isinstance(orgs, str) else orgs is not None and class_school in orgs
            if orgs is not None and not member:
                self.report.warning("student-school", f"enrollment '{value}'", f"student "
                                    f"'{row[index['userSourcedId']]}' does not belong to the class's school "
                                    f"'{class_school}'")
        return None

    def check_class_teachers(self) -> None:
        if "enrollments.csv" not in self.package.names:
            return
        for class_id in self.class_school:
            count = self.primary_teachers.get(class_id, 0)
            if count != 1:
                self.report.warning("primary-teacher", f"class '{class_id}'", f"{count} primary teachers, "
                                    "expected exactly one")


def required(value: str, row: list[str], index: dict[str, int]):
    return None if value else ("required", "empty; this column is required")


def enum(values: list[str], version: str, extensible: bool = True) -> Callable:
    lowered = {value.lower(): value for value in values}

    def check(value: str, row: list[str], index: dict[str, int]):
        if not value or value in values:
            return None
        if extensible and version == "1.2" and EXTENSION.fullmatch(value):
            return None
        if value.lower() in lowered:
            return ("enum-case", f"'{value}' differs in letter case from '{lowered[value.lower()]}'; values are "
                    "case-sensitive")
        return ("enum", f"'{value}' is not one of {', '.join(values)}")

    return check


def required_enum(values: list[str], version: str) -> Callable:
    check_value = enum(values, version)

    def check(value: str, row: list[str], index: dict[str, int]):
        return required(value, row, index) or check_value(value, row, index)

    return check


def boolean(value: str, row: list[str], index: dict[str, int]):
    if value in ("true", "false"):
        return None
    return ("boolean", f"'{value}' is not 'true' or 'false'")


def required_boolean(value: str, row: list[str], index: dict[str, int]):
    return required(value, row, index) or boolean(value, row, index)


def optional_boolean(value: str, row: list[str], index: dict[str, int]):
    return boolean(value, row, index) if value else None


def date_problem(value: str):
    if not DATE.fullmatch(value):
        return ("date", f"'{value}' is not a date in the form YYYY-MM-DD")
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return ("date", f"'{value}' is not a calendar date")
    return None


def optional_date(value: str, row: list[str], index: dict[str, int]):
    return date_problem(value) if value else None


def required_date(value: str, row: list[str], index: dict[str, int]):
    return required(value, row, index) or date_problem(value)


def start_before_end(value: str, row: list[str], index: dict[str, int]):
    end = row[index["endDate"]]
    if value and end and DATE.fullmatch(value) and DATE.fullmatch(end) and value > end:
        return ("date-order", f"startDate '{value}' is after endDate '{end}'")
    return None


def datetime_value(value: str, row: list[str], index: dict[str, int]):
    if not value or DATETIME.fullmatch(value):
        return None
    return ("datetime", f"'{value}' is not an ISO 8601 date-time with a zone, such as 2026-08-12T08:00:00Z")


def year_value(value: str, row: list[str], index: dict[str, int]):
    if not value:
        return ("required", "empty; this column is required")
    return None if YEAR.fullmatch(value) else ("year", f"'{value}' is not a year in the form YYYY")


def grades_value(value: str, row: list[str], index: dict[str, int]):
    if not value:
        return None
    for item in value.split(","):
        if item.strip() not in GRADES:
            return ("grade", f"'{item.strip()}' is not a CEDS grade code (KG, 01 to 13, PK, ...)")
    return None


def list_value(value: str, row: list[str], index: dict[str, int]):
    if value and any(not item.strip() for item in value.split(",")):
        return ("list", f"'{value}' has an empty item")
    return None


def user_ids_value(value: str, row: list[str], index: dict[str, int]):
    if not value:
        return None
    for item in value.split(","):
        if not USER_ID.fullmatch(item.strip()):
            return ("user-ids", f"'{item}' is not a '{{type:identifier}}' token")
    return None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Check a OneRoster CSV package folder or ZIP and list problems.")
    parser.add_argument("package", type=Path, help="package folder or .zip file")
    parser.add_argument("--limit", type=int, default=10, help="problems printed per rule (default 10)")
    arguments = parser.parse_args(argv)
    if not arguments.package.exists():
        print(f"error: package '{arguments.package}' not found", file=sys.stderr)
        return 2
    report = Report(arguments.limit)
    try:
        package = Package(arguments.package)
        checker = Checker(package, report)
        checker.run()
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError, csv.Error) as error:
        print(f"error: cannot read package '{arguments.package}': {error}", file=sys.stderr)
        return 2
    print(f"package {arguments.package} (OneRoster {checker.version})")
    for name, count in checker.row_counts.items():
        print(f"  {name:<22} {count:>10} rows")
    report.print(sys.stdout)
    errors, warnings = report.total("error"), report.total("warning")
    print(f"{errors} errors, {warnings} warnings")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
