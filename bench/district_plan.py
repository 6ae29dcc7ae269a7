"""The shape of a synthetic district: schools, grade groups, courses, classes and staff.

Students and enrollments are not stored here: a student is known by its index,
and the students of one grade of one school have consecutive indexes, so the
writer can stream them.
"""

import math
import random
import unicodedata
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

from district_catalog import CATALOGS, LEVEL_GRADES, CourseSpec
from district_names import (
    FAMILY_NAMES,
    FEMALE_GIVEN_NAMES,
    FIRST_SCHOOL_NAMES,
    MALE_GIVEN_NAMES,
    SCHOOL_LANDFORMS,
    SCHOOL_PLACE_WORDS,
)

# The kind is mixed into every sourcedId, so ids of different entities never collide.
KIND_ORG, KIND_SESSION, KIND_COURSE, KIND_CLASS, KIND_USER, KIND_ENROLLMENT, KIND_ROLE = range(1, 8)

# Administrators: one per school plus this many at the district office.
DISTRICT_ADMINISTRATORS = 2


@dataclass(frozen=True)
class PlanOptions:
    students: int
    teachers: int
    schools: int
    classes: int
    enrollments_per_student: float
    seed: int
    school_year: int
    district_name: str
    version: str
    inject_problems: bool


@dataclass
class Person:
    given: str
    family: str
    middle: str
    sex: str


@dataclass
class School:
    index: int
    level: str
    name: str
    sourced_id: str
    grades: list[str]
    student_count: int = 0
    class_start: int = 0
    class_count: int = 0
    teacher_start: int = 0
    teacher_count: int = 0


@dataclass
class Course:
    sourced_id: str
    school: int
    spec: CourseSpec


@dataclass
class Group:
    """The students of one grade in one school, with the classes they take."""

    school: int
    grade: str
    student_start: int
    student_count: int
    homeroom_course: int
    scheduled_courses: list[int]
    homeroom_start: int = 0
    homeroom_count: int = 0
    scheduled_start: int = 0
    scheduled_count: int = 0


@dataclass
class Staff:
    person: Person
    sourced_id: str
    school: int
    """School index, or -1 for district office staff."""
    second_school: int = -1


_MASK64 = (1 << 64) - 1


def _mix64(value: int) -> int:
    """Scramble 64 bits with the SplitMix64 finalizer; it is a bijection, so distinct inputs stay distinct."""
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


class IdMaker:
    """Makes GUID-shaped sourcedIds from (kind, index), unique and stable for a seed, without storing them."""

    def __init__(self, seed: int) -> None:
        self.salt = random.Random(f"{seed}:ids").getrandbits(64)

    def guid(self, kind: int, index: int) -> str:
        high = _mix64(((kind << 56) | index) ^ self.salt)
        low = _mix64(high ^ 0x5DEECE66D2B79F5)
        return (
            f"{high >> 32:08x}-{(high >> 16) & 0xFFFF:04x}-{high & 0xFFFF:04x}-"
            f"{low >> 48:04x}-{low & 0xFFFFFFFFFFFF:012x}"
        )


_LETTERS_WITHOUT_DECOMPOSITION = str.maketrans(
    {"ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ł": "l", "Ł": "l", "ß": "ss", "æ": "ae", "Æ": "ae", "ı": "i"}
)


@lru_cache(maxsize=None)
def ascii_fold(name: str) -> str:
    """Return the lower-case ASCII letters and digits of a name: "Nguyễn" -> "nguyen", "O'Brien" -> "obrien"."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_LETTERS_WITHOUT_DECOMPOSITION))
    return "".join(character for character in decomposed.lower() if character.isascii() and character.isalnum())


class NameSource:
    """Draws people's names; family names follow a skewed frequency, as in real rosters."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        families = list(FAMILY_NAMES)
        rng.shuffle(families)
        self.families = families
        total = 0.0
        self.cumulative: list[float] = []
        for rank in range(len(families)):
            total += 1.0 / (rank + 8)
            self.cumulative.append(total)
        self.total = total

    def person(self) -> Person:
        rng = self.rng
        if rng.random() < 0.5:
            sex, givens = "female", FEMALE_GIVEN_NAMES
        else:
            sex, givens = "male", MALE_GIVEN_NAMES
        given = givens[int(rng.random() * len(givens))]
        family_index = bisect_right(self.cumulative, rng.random() * self.total)
        family = self.families[min(family_index, len(self.families) - 1)]
        middle = givens[int(rng.random() * len(givens))] if rng.random() < 0.35 else ""
        return Person(given, family, middle, sex)


class Usernames:
    """Hands out unique usernames "given.family", then "given.family2" and so on for repeated names."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def make(self, person: Person) -> str:
        base = f"{ascii_fold(person.given)}.{ascii_fold(person.family)}"
        count = self.seen.get(base, 0) + 1
        self.seen[base] = count
        return base if count == 1 else f"{base}{count}"


def allocate(total: int, weights: list[float], minimum: list[int]) -> list[int]:
    """Split `total` in proportion to `weights` by largest remainder, giving each share at least its minimum.

    The result adds up to max(total, sum(minimum)).
    """
    shares = list(minimum)
    remaining = total - sum(minimum)
    weight_sum = sum(weights)
    if remaining <= 0 or weight_sum <= 0:
        return shares
    exact = [remaining * weight / weight_sum for weight in weights]
    floors = [math.floor(value) for value in exact]
    leftover = remaining - sum(floors)
    order = sorted(range(len(weights)), key=lambda index: (floors[index] - exact[index], index))
    for index in order[:leftover]:
        floors[index] += 1
    return [share + extra for share, extra in zip(shares, floors)]


def school_levels(count: int) -> list[str]:
    """Return the level of each school: one K-12 school alone, else elementary, middle, high, then 3:1:1."""
    if count == 1:
        return ["k12"]
    pattern = ["elementary", "elementary", "middle", "elementary", "high"]
    first = ["elementary", "middle", "high"]
    return [first[index] if index < 3 else pattern[(index - 3) % len(pattern)] for index in range(count)]


class DistrictPlan:
    """Everything about a district except the students' own rows, built once from the options."""

    @staticmethod
    def administrator_count(schools: int) -> int:
        return schools + DISTRICT_ADMINISTRATORS

    def __init__(self, options: PlanOptions) -> None:
        self.options = options
        self.notes: list[str] = []
        self.ids = IdMaker(options.seed)
        self.rng = random.Random(f"{options.seed}:plan")
        self.names = NameSource(self.rng)
        self.district_id = self.ids.guid(KIND_ORG, 0)
        self.year_id = self.ids.guid(KIND_SESSION, 0)
        self.semester_ids = [self.ids.guid(KIND_SESSION, 1), self.ids.guid(KIND_SESSION, 2)]
        self.unknown_org_id = self.ids.guid(KIND_ORG, (1 << 40) - 1)

        self.schools = self._make_schools()
        self.courses: list[Course] = []
        self.groups: list[Group] = []
        self._make_groups()
        self.class_group = array("i")
        self.class_course = array("i")
        self.class_teacher = array("i")
        self.class_coteacher = array("i")
        self._make_classes()
        self.teachers: list[Staff] = []
        self.administrators: list[Staff] = []
        self._make_staff()
        self._assign_teachers()

    @property
    def class_count(self) -> int:
        return len(self.class_group)

    @property
    def student_count(self) -> int:
        return sum(school.student_count for school in self.schools)

    def class_id(self, index: int) -> str:
        return self.ids.guid(KIND_CLASS, index)

    def student_id(self, index: int) -> str:
        return self.ids.guid(KIND_USER, index)

    def staff_id(self, index: int) -> str:
        # Staff ids follow the students in the user index space.
        return self.ids.guid(KIND_USER, self.options.students + index)

    def classes_for_student(self, position: int) -> int:
        """Return how many classes the student at `position` in its group takes, spreading fractions evenly."""
        per_student = self.options.enrollments_per_student
        return math.floor((position + 1) * per_student) - math.floor(position * per_student)

    def _make_schools(self) -> list[School]:
        options = self.options
        levels = school_levels(options.schools)
        level_totals = {level: levels.count(level) for level in set(levels)}
        used_names: set[str] = set()
        schools = []
        for index, level in enumerate(levels):
            name = self._school_name(level, used_names)
            schools.append(School(index, level, name, self.ids.guid(KIND_ORG, index + 1), LEVEL_GRADES[level]))
        # Each level's schools share that level's grades, so cohorts come out about equal across grades.
        weights = [
            len(school.grades) / level_totals[school.level] * self.rng.uniform(0.8, 1.2) for school in schools
        ]
        counts = allocate(options.students, weights, [0] * len(schools))
        for school, count in zip(schools, counts):
            school.student_count = count
        return schools

    def _school_name(self, level: str, used: set[str]) -> str:
        suffix = {"elementary": "Elementary School", "middle": "Middle School", "high": "High School"}.get(
            level, "K-12 Academy"
        )
        first = FIRST_SCHOOL_NAMES.get(level)
        if first and first not in used:
            used.add(first)
            return first
        for _ in range(50):
            place = self.rng.choice(SCHOOL_PLACE_WORDS)
            landform = self.rng.choice(SCHOOL_LANDFORMS)
            name = f"{place} {landform} {suffix}"
            if name not in used:
                used.add(name)
                return name
        # All tried combinations were taken, so number the name as districts do with a second campus.
        number = 2
        while f"{name} {number}" in used:
            number += 1
        used.add(f"{name} {number}")
        return f"{name} {number}"

    def _make_groups(self) -> None:
        per_student = self.options.enrollments_per_student
        student_start = 0
        for school in self.schools:
            course_start = len(self.courses)
            for spec in CATALOGS[school.level]:
                course_index = len(self.courses)
                self.courses.append(Course(self.ids.guid(KIND_COURSE, course_index), school.index, spec))
            school_courses = range(course_start, len(self.courses))
            counts = allocate(school.student_count, [1.0] * len(school.grades), [0] * len(school.grades))
            for grade, count in zip(school.grades, counts):
                homeroom = next(
                    index
                    for index in school_courses
                    if self.courses[index].spec.homeroom and grade in self.courses[index].spec.grades
                )
                scheduled = [
                    index
                    for index in school_courses
                    if not self.courses[index].spec.homeroom and grade in self.courses[index].spec.grades
                ]
                self.groups.append(Group(school.index, grade, student_start, count, homeroom, scheduled))
                student_start += count
        if per_student > 1 + min(len(group.scheduled_courses) for group in self.groups):
            self.notes.append(
                f"--enrollments-per-student {per_student} exceeds the courses of some grades; "
                "those students take two sections of one course"
            )

    def _make_classes(self) -> None:
        options = self.options
        per_student = options.enrollments_per_student
        minimum_per_group = math.ceil(per_student)
        weights = [group.student_count * per_student for group in self.groups]
        minimum = [minimum_per_group if group.student_count else 0 for group in self.groups]
        counts = allocate(options.classes, weights, minimum)
        if sum(counts) != options.classes:
            self.notes.append(
                f"made {sum(counts)} classes instead of {options.classes}: each grade of each school needs "
                f"at least {minimum_per_group} classes for {per_student} enrollments per student"
            )
        for group_index, (group, count) in enumerate(zip(self.groups, counts)):
            if count == 0:
                continue
            scheduled_needed = max(0, minimum_per_group - 1)
            homerooms = max(1, min(round(count / per_student), count - scheduled_needed))
            school = self.schools[group.school]
            if school.class_count == 0:
                school.class_start = self.class_count
            group.homeroom_start = self.class_count
            group.homeroom_count = homerooms
            for _ in range(homerooms):
                self.class_group.append(group_index)
                self.class_course.append(group.homeroom_course)
            group.scheduled_start = self.class_count
            group.scheduled_count = count - homerooms
            offset = self.rng.randrange(max(1, len(group.scheduled_courses)))
            for section in range(count - homerooms):
                course = group.scheduled_courses[(offset + section) % len(group.scheduled_courses)]
                self.class_group.append(group_index)
                self.class_course.append(course)
            school.class_count += count

    def _make_staff(self) -> None:
        options = self.options
        schools = self.schools
        counts = allocate(options.teachers, [float(school.class_count) for school in schools], [1] * len(schools))
        start = 0
        for school, count in zip(schools, counts):
            school.teacher_start = start
            school.teacher_count = count
            for _ in range(count):
                index = len(self.teachers)
                staff = Staff(self.names.person(), self.staff_id(index), school.index)
                if len(schools) > 1 and self.rng.random() < 0.02:
                    staff.second_school = (school.index + 1) % len(schools)
                self.teachers.append(staff)
            start += count
        office = [-1] * DISTRICT_ADMINISTRATORS
        for school_index in office + [school.index for school in schools]:
            index = len(self.teachers) + len(self.administrators)
            self.administrators.append(Staff(self.names.person(), self.staff_id(index), school_index))

    def _assign_teachers(self) -> None:
        """Give each school's homerooms to different teachers in turn and its other classes in consecutive
        blocks, so a teacher keeps one grade and few courses; a few classes get a co-teacher."""
        for school in self.schools:
            first, count = school.class_start, school.class_count
            homeroom_count = sum(
                1 for index in range(first, first + count) if self.courses[self.class_course[index]].spec.homeroom
            )
            scheduled_count = count - homeroom_count
            homeroom_turn = 0
            scheduled_turn = 0
            for index in range(first, first + count):
                if self.courses[self.class_course[index]].spec.homeroom:
                    teacher = school.teacher_start + homeroom_turn % school.teacher_count
                    homeroom_turn += 1
                else:
                    teacher = school.teacher_start + (scheduled_turn * school.teacher_count) // scheduled_count
                    scheduled_turn += 1
                coteacher = -1
                if school.teacher_count > 1 and self.rng.random() < 0.03:
                    coteacher = school.teacher_start + self.rng.randrange(school.teacher_count - 1)
                    if coteacher >= teacher:
                        coteacher += 1
                self.class_teacher.append(teacher)
                self.class_coteacher.append(coteacher)


@dataclass
class Dealer:
    """Deals classes to students so every class gets the same number of students, plus or minus one.

    Each pass hands out every class once in a fresh random order. A student skips a class it already has
    and, where it can, a second section of a course it already has.
    """

    classes: list[int]
    course_of: array
    rng: random.Random
    position: int = field(default=0)

    def __post_init__(self) -> None:
        self.rng.shuffle(self.classes)

    def take(self, count: int, out: list[int]) -> None:
        classes = self.classes
        total = len(classes)
        count = min(count, total)
        chosen: set[int] = set()
        courses: set[int] = set()
        for _ in range(count):
            if self.position == total:
                self.rng.shuffle(classes)
                self.position = 0
            pick = self._find(chosen, courses, look_ahead=24)
            if pick < 0:
                pick = self._find(chosen, None, look_ahead=total)
            while pick < 0:
                # Only the classes this student already has are left in this pass, so start a new one.
                self.rng.shuffle(classes)
                self.position = 0
                pick = self._find(chosen, None, look_ahead=total)
            classes[self.position], classes[pick] = classes[pick], classes[self.position]
            class_index = classes[self.position]
            self.position += 1
            chosen.add(class_index)
            courses.add(self.course_of[class_index])
            out.append(class_index)

    def _find(self, chosen: set[int], courses: set[int] | None, look_ahead: int) -> int:
        classes = self.classes
        end = min(len(classes), self.position + look_ahead)
        for index in range(self.position, end):
            candidate = classes[index]
            if candidate in chosen:
                continue
            if courses is not None and self.course_of[candidate] in courses:
                continue
            return index
        return -1
