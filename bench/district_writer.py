"""Write a DistrictPlan as OneRoster CSV files: RFC 4180 quoting, LF line ends, UTF-8 without BOM."""

import csv
import datetime
import random
import zipfile
from pathlib import Path

from district_catalog import GRADE_LABELS
from district_names import OTHER_BIRTH_COUNTRIES, PREFERRED_NAMES, US_BIRTH_PLACES
from district_plan import (
    KIND_ENROLLMENT,
    KIND_ROLE,
    Dealer,
    DistrictPlan,
    NameSource,
    Person,
    Staff,
    Usernames,
)

COMMON = ["sourcedId", "status", "dateLastModified"]

COLUMNS = {
    "orgs": COMMON + ["name", "type", "identifier", "parentSourcedId"],
    "academicSessions": COMMON + ["title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear"],
    "courses": COMMON
    + ["schoolYearSourcedId", "title", "courseCode", "grades", "orgSourcedId", "subjects", "subjectCodes"],
    "classes": COMMON
    + [
        "title", "grades", "courseSourcedId", "classCode", "classType", "location", "schoolSourcedId",
        "termSourcedIds", "subjects", "subjectCodes", "periods",
    ],
    "users-1.1": COMMON
    + [
        "enabledUser", "orgSourcedIds", "role", "username", "userIds", "givenName", "familyName", "middleName",
        "identifier", "email", "sms", "phone", "agentSourcedIds", "grades", "password",
    ],
    # 1.2 as published in 2022, with resourceSourcedIds (the 1.2.1 errata dropped that column).
    "users-1.2": COMMON
    + [
        "enabledUser", "username", "userIds", "givenName", "familyName", "middleName", "identifier", "email",
        "sms", "phone", "agentSourcedIds", "grades", "password", "userMasterIdentifier", "resourceSourcedIds",
        "preferredGivenName", "preferredMiddleName", "preferredFamilyName", "primaryOrgSourcedId", "pronouns",
    ],
    "roles": COMMON
    + ["userSourcedId", "roleType", "role", "beginDate", "endDate", "orgSourcedId", "userProfileSourcedId"],
    "enrollments": COMMON
    + ["classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary", "beginDate", "endDate"],
    "demographics": COMMON
    + [
        "birthDate", "sex", "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
        "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces",
        "hispanicOrLatinoEthnicity", "countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth",
        "publicSchoolResidenceStatus",
    ],
}

MANIFEST_FILES_1_1 = [
    "academicSessions", "categories", "classes", "classResources", "courses", "courseResources", "demographics",
    "enrollments", "lineItems", "orgs", "resources", "results", "users",
]
MANIFEST_FILES_1_2 = MANIFEST_FILES_1_1 + [
    "lineItemLearningObjectiveIds", "lineItemScoreScales", "resultLearningObjectiveIds", "resultScoreScales",
    "roles", "scoreScales", "userProfiles", "userResources",
]

# Race flags in demographics column order, with the share of people who report each one alone.
RACES = [
    ("americanIndianOrAlaskaNative", 0.012),
    ("asian", 0.08),
    ("blackOrAfricanAmerican", 0.14),
    ("nativeHawaiianOrOtherPacificIslander", 0.006),
    ("white", 0.50),
]
TWO_OR_MORE_RACES_SHARE = 0.045
HISPANIC_SHARE = 0.28

BUFFER_BYTES = 1 << 20


class CsvFile:
    """One output CSV file with its header written and a row counter."""

    def __init__(self, folder: Path, name: str, columns: list[str]) -> None:
        self.path = folder / f"{name}.csv"
        self.handle = open(self.path, "w", encoding="utf-8", newline="", buffering=BUFFER_BYTES)
        self.writer = csv.writer(self.handle, lineterminator="\n")
        self.writer.writerow(columns)
        self.width = len(columns)
        self.rows = 0

    def write(self, row: list[str] | tuple[str, ...]) -> None:
        self.writer.writerow(row)
        self.rows += 1

    def close(self) -> None:
        self.handle.close()


def bool_text(value: bool) -> str:
    return "true" if value else "false"


def grade_number(grade: str) -> int:
    return 0 if grade == "KG" else int(grade)


class PackageWriter:
    """Writes all files of one package from a plan."""

    def __init__(self, plan: DistrictPlan, folder: Path) -> None:
        self.plan = plan
        self.folder = folder
        options = plan.options
        self.version = options.version
        self.start_year = options.school_year - 1
        self.end_year = options.school_year
        self.domain = email_domain(options.district_name)
        self.written: list[str] = []

    def open(self, name: str, columns_key: str | None = None) -> CsvFile:
        self.written.append(f"{name}.csv")
        return CsvFile(self.folder, name, COLUMNS[columns_key or name])

    def write_orgs(self) -> int:
        plan = self.plan
        out = self.open("orgs")
        out.write([plan.district_id, "", "", plan.options.district_name, "district", "0612345", ""])
        for school in plan.schools:
            identifier = f"0612345{school.index + 1:05d}"
            out.write([school.sourced_id, "", "", school.name, "school", identifier, plan.district_id])
        out.close()
        return out.rows

    def session_dates(self) -> list[tuple[str, str]]:
        """Return (start, end) of the school year and its two semesters."""
        first, last = self.start_year, self.end_year
        return [
            (f"{first}-08-12", f"{last}-06-04"),
            (f"{first}-08-12", f"{first}-12-18"),
            (f"{last}-01-05", f"{last}-06-04"),
        ]

    def write_sessions(self) -> int:
        plan = self.plan
        year, fall, spring = self.session_dates()
        school_year = str(self.end_year)
        out = self.open("academicSessions")
        title = f"{self.start_year}-{self.end_year % 100:02d} School Year"
        out.write([plan.year_id, "", "", title, "schoolYear", year[0], year[1], "", school_year])
        out.write([
            plan.semester_ids[0], "", "", f"Fall Semester {self.start_year}", "semester", fall[0], fall[1],
            plan.year_id, school_year,
        ])
        out.write([
            plan.semester_ids[1], "", "", f"Spring Semester {self.end_year}", "semester", spring[0], spring[1],
            plan.year_id, school_year,
        ])
        out.close()
        return out.rows

    def write_courses(self) -> int:
        plan = self.plan
        out = self.open("courses")
        for course in plan.courses:
            spec = course.spec
            out.write([
                course.sourced_id, "", "", plan.year_id, spec.title, spec.code, ",".join(spec.grades),
                plan.schools[course.school].sourced_id, ",".join(spec.subjects), "",
            ])
        out.close()
        return out.rows

    def write_classes(self) -> int:
        plan = self.plan
        rng = random.Random(f"{plan.options.seed}:classes")
        sections: dict[int, int] = {}
        year_terms = plan.year_id
        both_semesters = ",".join(plan.semester_ids)
        out = self.open("classes")
        for index in range(plan.class_count):
            group = plan.groups[plan.class_group[index]]
            course_index = plan.class_course[index]
            course = plan.courses[course_index]
            spec = course.spec
            school = plan.schools[group.school]
            teacher = plan.teachers[plan.class_teacher[index]]
            section = sections.get(course_index, 0) + 1
            sections[course_index] = section
            room = f"Room {rng.randrange(1, 3)}{rng.randrange(1, 40):02d}"
            if spec.homeroom:
                # Elementary homeroom courses are per grade already; advisory courses span grades.
                label = spec.title if spec.title.endswith("Homeroom") else f"{spec.title} {GRADE_LABELS[group.grade]}"
                title = f"{label} - {teacher.person.family}"
                class_type, terms = "homeroom", year_terms
                periods = "1,2,3,4,5" if spec.title.endswith("Homeroom") else "HR"
            else:
                period = rng.randrange(1, 8)
                if rng.random() < 0.1 and period < 7:
                    periods = f"{period},{period + 1}"
                    title = f"{spec.title} - Periods {period}-{period + 1}"
                else:
                    periods = str(period)
                    title = f"{spec.title} - Period {period}"
                class_type = "scheduled"
                # 60% of classes last the whole year, 20% only the fall and 20% only the spring semester.
                draw = rng.random()
                if draw < 0.6:
                    terms = both_semesters
                elif draw < 0.8:
                    terms = plan.semester_ids[0]
                else:
                    terms = plan.semester_ids[1]
            out.write([
                plan.class_id(index), "", "", title, group.grade, course.sourced_id, f"{spec.code}-{section:02d}",
                class_type, spec.location or room, school.sourced_id, terms, ",".join(spec.subjects), "",
                periods,
            ])
        out.close()
        return out.rows

    def write_manifest(self) -> None:
        files = MANIFEST_FILES_1_1 if self.version == "1.1" else MANIFEST_FILES_1_2
        present = {name.removesuffix(".csv") for name in self.written}
        self.written.append("manifest.csv")
        with open(self.folder / "manifest.csv", "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["propertyName", "value"])
            writer.writerow(["manifest.version", "1.0"])
            writer.writerow(["oneroster.version", self.version])
            for name in files:
                writer.writerow([f"file.{name}", "bulk" if name in present else "absent"])
            writer.writerow(["source.systemName", "Rollbook district generator"])
            writer.writerow(["source.systemCode", "generate_district.py"])


class PeopleWriter:
    """Writes users.csv, demographics.csv and, for 1.2, roles.csv in one pass over all people."""

    def __init__(self, package: PackageWriter) -> None:
        self.package = package
        self.plan = package.plan
        options = self.plan.options
        self.version = options.version
        self.rng = random.Random(f"{options.seed}:users")
        self.names = NameSource(self.rng)
        self.usernames = Usernames()
        self.users = package.open("users", f"users-{self.version}")
        self.demographics = package.open("demographics")
        self.roles = package.open("roles") if self.version == "1.2" else None
        self.role_count = 0

    def write_all(self) -> dict[str, int]:
        plan = self.plan
        inject = plan.options.inject_problems
        for group in plan.groups:
            school_id = plan.schools[group.school].sourced_id
            for index in range(group.student_start, group.student_start + group.student_count):
                role, grade = "student", group.grade
                if inject and index == 1:
                    role = "Student"
                    where = "users.csv" if self.version == "1.1" else "roles.csv"
                    plan.notes.append(f"injected: {where} gives student '{plan.student_id(index)}' role 'Student'")
                if inject and index == 2:
                    grade = "K"
                    plan.notes.append(f"injected: users.csv student '{plan.student_id(index)}' has grade 'K'")
                self.write_student(index, plan.student_id(index), school_id, role, grade, group.grade)
        if inject and plan.student_count > 0:
            duplicate = plan.student_id(0)
            school_id = plan.schools[plan.groups[0].school].sourced_id
            self.write_student(0, duplicate, school_id, "student", plan.groups[0].grade, None)
            plan.notes.append(f"injected: users.csv has a second row with sourcedId '{duplicate}'")
        for index, teacher in enumerate(plan.teachers):
            self.write_staff(teacher, "teacher", f"E{10001 + index}", inject and index == 0)
        for index, administrator in enumerate(plan.administrators):
            self.write_staff(administrator, "administrator", f"A{1001 + index}", False)
        counts = {"users": self.users.rows, "demographics": self.demographics.rows}
        self.users.close()
        self.demographics.close()
        if self.roles is not None:
            counts["roles"] = self.roles.rows
            self.roles.close()
        return counts

    def write_student(
        self, index: int, sourced_id: str, school_id: str, role: str, grade: str, real_grade: str | None
    ) -> None:
        """Write one student; `real_grade` None means a duplicate row without demographics or roles."""
        rng = self.rng
        person = self.names.person()
        username = self.usernames.make(person)
        identifier = str(2000000 + index)
        no_email_share = 0.10 if grade in ("KG", "01", "02") else 0.015
        email = "" if rng.random() < no_email_share else f"{username}@students.{self.package.domain}"
        enabled = bool_text(rng.random() >= 0.003)
        user_ids = f"{{SIS:{identifier}}}"
        if self.version == "1.1":
            self.users.write([
                sourced_id, "", "", enabled, school_id, role, username, user_ids, person.given, person.family,
                person.middle, identifier, email, "", "", "", grade, "",
            ])
        else:
            self.users.write(self.user_row_1_2(sourced_id, enabled, username, user_ids, person, identifier, email,
                                               grade, school_id, ""))
        if real_grade is None:
            return
        if self.roles is not None:
            self.write_role(sourced_id, "primary", role, school_id)
        self.write_demographics(sourced_id, person, self.student_birth_date(real_grade))

    def write_staff(self, staff: Staff, kind: str, identifier: str, unknown_org: bool) -> None:
        plan = self.plan
        rng = self.rng
        person = staff.person
        username = self.usernames.make(person)
        email = f"{username}@{self.package.domain}"

        org_ids = [plan.district_id if staff.school < 0 else plan.schools[staff.school].sourced_id]
        if staff.second_school >= 0:
            org_ids.append(plan.schools[staff.second_school].sourced_id)
        if unknown_org:
            org_ids[0] = plan.unknown_org_id
            where = "users.csv orgSourcedIds"
            if self.version == "1.2":
                where = "users.csv primaryOrgSourcedId and roles.csv"
            plan.notes.append(
                f"injected: {where} of teacher '{staff.sourced_id}' refer to the unknown org '{plan.unknown_org_id}'"
            )

        user_ids = f"{{SIS:{identifier}}},{{LDAP:{username}}}"
        enabled = "true"
        if self.version == "1.1":
            self.users.write([
                staff.sourced_id, "", "", enabled, ",".join(org_ids), kind, username, user_ids, person.given,
                person.family, person.middle, identifier, email, "", "", "", "", "",
            ])
        else:
            draw = rng.random()
            pronouns = ""
            if draw < 0.3:
                pronouns = "she/her" if person.sex == "female" else "he/him"
            elif draw < 0.32:
                pronouns = "they/them"
            self.users.write(self.user_row_1_2(staff.sourced_id, enabled, username, user_ids, person, identifier,
                                               email, "", org_ids[0], pronouns))
            if kind == "teacher":
                role = "teacher"
            elif staff.school < 0:
                role = "districtAdministrator"
            else:
                role = "principal"
            for org_id in org_ids:
                self.write_role(staff.sourced_id, "primary", role, org_id)

        age = rng.randrange(24, 65)
        base = datetime.date(self.package.start_year - age, 1, 1).toordinal()
        birth = datetime.date.fromordinal(base + rng.randrange(365)).isoformat()
        self.write_demographics(staff.sourced_id, person, birth)

    def user_row_1_2(
        self, sourced_id: str, enabled: str, username: str, user_ids: str, person: Person, identifier: str,
        email: str, grade: str, primary_org: str, pronouns: str,
    ) -> list[str]:
        preferred = PREFERRED_NAMES.get(person.given, "")
        if preferred and self.rng.random() >= 0.4:
            preferred = ""
        return [
            sourced_id, "", "", enabled, username, user_ids, person.given, person.family, person.middle,
            identifier, email, "", "", "", grade, "", "", "", preferred, "", "", primary_org, pronouns,
        ]

    def write_role(self, user_id: str, role_type: str, role: str, org_id: str) -> None:
        assert self.roles is not None
        role_id = self.plan.ids.guid(KIND_ROLE, self.role_count)
        self.role_count += 1
        self.roles.write([role_id, "", "", user_id, role_type, role, "", "", org_id, ""])

    def student_birth_date(self, grade: str) -> str:
        # A student in grade g (KG is 0) is 5 + g years old on 1 September of the school year.
        first = datetime.date(self.package.start_year - 6 - grade_number(grade), 9, 2).toordinal()
        return datetime.date.fromordinal(first + self.rng.randrange(365)).isoformat()

    def write_demographics(self, sourced_id: str, person: Person, birth_date: str) -> None:
        rng = self.rng
        sex = person.sex
        if self.version == "1.2" and rng.random() < 0.01:
            sex = "unspecified"
        flags = [False] * len(RACES)
        two_or_more = False
        draw = rng.random()
        if draw < TWO_OR_MORE_RACES_SHARE:
            two_or_more = True
            for race in rng.sample(range(len(RACES)), 2):
                flags[race] = True
        else:
            draw -= TWO_OR_MORE_RACES_SHARE
            for race, (_, share) in enumerate(RACES):
                if draw < share:
                    flags[race] = True
                    break
                draw -= share
        hispanic = rng.random() < HISPANIC_SHARE
        if rng.random() < 0.9:
            city, state = US_BIRTH_PLACES[rng.randrange(len(US_BIRTH_PLACES))]
            country = "US"
            if rng.random() < 0.5:
                city = ""
        else:
            country, state, city = rng.choice(OTHER_BIRTH_COUNTRIES), "", ""
        self.demographics.write([
            sourced_id, "", "", birth_date, sex, *[bool_text(flag) for flag in flags], bool_text(two_or_more),
            bool_text(hispanic), country, state, city, "",
        ])


def write_enrollments(package: PackageWriter) -> int:
    """Write teacher enrollments class by class, then student enrollments group by group."""
    plan = package.plan
    rng = random.Random(f"{plan.options.seed}:enrollments")
    out = package.open("enrollments")
    ids = plan.ids
    row_index = 0
    for index in range(plan.class_count):
        class_id = plan.class_id(index)
        school_id = plan.schools[plan.groups[plan.class_group[index]].school].sourced_id
        teacher_id = plan.teachers[plan.class_teacher[index]].sourced_id
        out.write((ids.guid(KIND_ENROLLMENT, row_index), "", "", class_id, school_id, teacher_id, "teacher",
                   "true", "", ""))
        row_index += 1
        coteacher = plan.class_coteacher[index]
        if coteacher >= 0:
            coteacher_id = plan.teachers[coteacher].sourced_id
            out.write((ids.guid(KIND_ENROLLMENT, row_index), "", "", class_id, school_id, coteacher_id, "teacher",
                       "false", "", ""))
            row_index += 1
    picked: list[int] = []
    for group in plan.groups:
        if group.student_count == 0:
            continue
        school_id = plan.schools[group.school].sourced_id
        homeroom_first = group.homeroom_start
        class_ids = {
            index: plan.class_id(index)
            for index in range(homeroom_first, group.scheduled_start + group.scheduled_count)
        }
        homerooms = Dealer(list(range(homeroom_first, homeroom_first + group.homeroom_count)),
                           plan.class_course, rng)
        scheduled = Dealer(list(range(group.scheduled_start, group.scheduled_start + group.scheduled_count)),
                           plan.class_course, rng)
        for position in range(group.student_count):
            count = plan.classes_for_student(position)
            if count == 0:
                continue
            user_id = plan.student_id(group.student_start + position)
            picked.clear()
            homerooms.take(1, picked)
            if count > 1 and group.scheduled_count:
                scheduled.take(count - 1, picked)
            for class_index in picked:
                out.write((ids.guid(KIND_ENROLLMENT, row_index), "", "", class_ids[class_index], school_id,
                           user_id, "student", "", "", ""))
                row_index += 1
    out.close()
    return out.rows


def email_domain(district_name: str) -> str:
    """Return a reserved-TLD mail domain: "Lakeview Unified School District" -> "lakeviewusd.example"."""
    words = [word for word in district_name.split() if word[:1].isalpha()]
    if not words:
        return "district.example"
    head = "".join(character for character in words[0].lower() if character.isascii() and character.isalnum())
    initials = "".join(word[0].lower() for word in words[1:] if word[0].isascii())
    return f"{head or 'district'}{initials}.example"


def remove_stale_files(folder: Path) -> None:
    """Delete OneRoster files an earlier run left in the folder, so a 1.1 package never keeps a roles.csv."""
    for name in MANIFEST_FILES_1_2 + ["manifest"]:
        path = folder / f"{name}.csv"
        if path.exists():
            path.unlink()


def write_zip(folder: Path, names: list[str]) -> Path:
    """Write <folder>.zip with the files at its root and a fixed timestamp, so equal seeds give equal bytes."""
    target = folder.with_name(folder.name + ".zip")
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path in (folder / name for name in sorted(names)):
            info = zipfile.ZipInfo(path.name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with open(path, "rb") as source, archive.open(info, "w", force_zip64=True) as sink:
                while chunk := source.read(BUFFER_BYTES):
                    sink.write(chunk)
    return target


def write_package(plan: DistrictPlan, folder: Path, make_zip: bool) -> dict[str, int]:
    """Write every file of the package into `folder` and return the row count of each file."""
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_files(folder)
    package = PackageWriter(plan, folder)
    counts = {
        "orgs": package.write_orgs(),
        "academicSessions": package.write_sessions(),
        "courses": package.write_courses(),
        "classes": package.write_classes(),
    }
    counts.update(PeopleWriter(package).write_all())
    counts["enrollments"] = write_enrollments(package)
    package.write_manifest()
    if make_zip:
        write_zip(folder, package.written)
    return counts
