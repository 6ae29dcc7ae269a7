"""Course catalog of the synthetic district: which courses each school level offers."""

from dataclasses import dataclass, replace

GRADE_LABELS = {
    "KG": "Kindergarten",
    **{f"{number:02d}": f"Grade {number}" for number in range(1, 13)},
}

LEVEL_GRADES = {
    "elementary": ["KG", "01", "02", "03", "04", "05"],
    "middle": ["06", "07", "08"],
    "high": ["09", "10", "11", "12"],
}
LEVEL_GRADES["k12"] = LEVEL_GRADES["elementary"] + LEVEL_GRADES["middle"] + LEVEL_GRADES["high"]


@dataclass(frozen=True)
class CourseSpec:
    """One course a school offers, before it gets a sourcedId."""

    title: str
    code: str
    subjects: tuple[str, ...]
    grades: tuple[str, ...]
    homeroom: bool = False
    location: str = ""


def _per_grade(title: str, code: str, subjects: tuple[str, ...], grades: list[str]) -> list[CourseSpec]:
    """Return one course per grade, titled like "Mathematics, Grade 3"."""
    return [
        CourseSpec(f"{title}, {GRADE_LABELS[grade]}", f"{code}{grade}", subjects, (grade,)) for grade in grades
    ]


def _elementary() -> list[CourseSpec]:
    grades = LEVEL_GRADES["elementary"]
    all_grades = tuple(grades)
    courses = [
        CourseSpec(f"{GRADE_LABELS[grade]} Homeroom", f"HR{grade}", ("Homeroom",), (grade,), homeroom=True)
        for grade in grades
    ]
    courses += _per_grade("Reading, Writing, and Language Arts", "ELA", ("English Language Arts", "Reading"), grades)
    courses += _per_grade("Mathematics", "MATH", ("Mathematics",), grades)
    courses += _per_grade("Science", "SCI", ("Science",), grades)
    courses += _per_grade("Social Studies", "SS", ("Social Studies",), grades)
    courses += [
        CourseSpec("Music", "MUS", ("Music",), all_grades, location="Music Room"),
        CourseSpec("Art", "ART", ("Visual Arts",), all_grades, location="Art Room"),
        CourseSpec("Physical Education", "PE", ("Physical Education",), all_grades, location="Gym"),
        CourseSpec("Library and Media", "LIB", ("Library Media",), all_grades, location="Library"),
        CourseSpec("Spanish Explorations", "SPX", ("World Languages",), all_grades),
    ]
    return courses


def _middle() -> list[CourseSpec]:
    grades = LEVEL_GRADES["middle"]
    all_grades = tuple(grades)
    courses = [CourseSpec("Advisory", "ADVM", ("Homeroom",), all_grades, homeroom=True)]
    courses += _per_grade("English Language Arts", "ELA", ("English Language Arts",), grades)
    courses += _per_grade("Mathematics", "MATH", ("Mathematics",), grades)
    courses += _per_grade("Science", "SCI", ("Science",), grades)
    courses += _per_grade("Social Studies", "SS", ("Social Studies",), grades)
    courses += [
        CourseSpec("Band", "BAND", ("Music",), all_grades, location="Band Room"),
        CourseSpec("Orchestra", "ORCH", ("Music",), all_grades, location="Band Room"),
        CourseSpec("Choir", "CHOIR", ("Music",), all_grades, location="Choir Room"),
        CourseSpec("Visual Arts", "ART", ("Visual Arts",), all_grades, location="Art Room"),
        CourseSpec("Physical Education", "PE", ("Physical Education",), all_grades, location="Gym"),
        CourseSpec("Health, Fitness, and Wellness", "HFW", ("Health",), all_grades),
        CourseSpec("Spanish I", "SPAN1M", ("World Languages",), ("07", "08")),
        CourseSpec("Introduction to Coding", "CODE", ("Computer Science",), all_grades, location="Lab"),
    ]
    return courses


def _high() -> list[CourseSpec]:
    all_grades = tuple(LEVEL_GRADES["high"])
    return [
        CourseSpec("Advisory", "ADVH", ("Homeroom",), all_grades, homeroom=True),
        CourseSpec("English 9", "ENG9", ("English Language Arts",), ("09",)),
        CourseSpec("English 10", "ENG10", ("English Language Arts",), ("10",)),
        CourseSpec("English 11: American Literature", "ENG11", ("English Language Arts",), ("11",)),
        CourseSpec("English 12: World Literature", "ENG12", ("English Language Arts",), ("12",)),
        CourseSpec("Algebra I", "ALG1", ("Mathematics",), ("09", "10")),
        CourseSpec("Geometry", "GEOM", ("Mathematics",), ("09", "10", "11")),
        CourseSpec("Algebra II", "ALG2", ("Mathematics",), ("10", "11", "12")),
        CourseSpec("Precalculus", "PCALC", ("Mathematics",), ("11", "12")),
        CourseSpec("AP Calculus AB", "APCALC", ("Mathematics",), ("11", "12")),
        CourseSpec("Statistics", "STAT", ("Mathematics",), ("11", "12")),
        CourseSpec("Biology", "BIO", ("Science",), ("09", "10")),
        CourseSpec("Chemistry", "CHEM", ("Science",), ("10", "11")),
        CourseSpec("Physics", "PHYS", ("Science",), ("11", "12")),
        CourseSpec("Environmental Science", "ENVS", ("Science",), ("11", "12")),
        CourseSpec("World History", "WHIST", ("Social Studies",), ("09", "10")),
        CourseSpec("U.S. History", "USHIST", ("Social Studies",), ("11",)),
        CourseSpec("Government, Economics, and Civics", "GOVT", ("Social Studies",), ("12",)),
        CourseSpec("Spanish I", "SPAN1", ("World Languages",), all_grades),
        CourseSpec("Spanish II", "SPAN2", ("World Languages",), ("10", "11", "12")),
        CourseSpec("French I", "FREN1", ("World Languages",), all_grades),
        CourseSpec("Mandarin Chinese I", "CHIN1", ("World Languages",), all_grades),
        CourseSpec("Art I: Drawing, Painting, and Design", "ART1", ("Visual Arts",), all_grades, location="Art Room"),
        CourseSpec("Ceramics", "CERAM", ("Visual Arts",), all_grades, location="Art Room"),
        CourseSpec("Concert Band", "BAND", ("Music",), all_grades, location="Band Room"),
        CourseSpec("Choir", "CHOIR", ("Music",), all_grades, location="Choir Room"),
        CourseSpec('Theatre: "Page to Stage"', "THTR", ("Performing Arts",), all_grades, location="Black Box"),
        CourseSpec("Physical Education", "PE", ("Physical Education",), ("09", "10"), location="Gym"),
        CourseSpec("Health", "HLTH", ("Health",), ("09",)),
        CourseSpec("Computer Science Principles", "CSP", ("Computer Science",), ("10", "11", "12"), location="Lab"),
        CourseSpec("Robotics, Coding, and Design", "ROBO", ("Computer Science", "Engineering"), all_grades),
    ]


CATALOGS = {
    "elementary": _elementary(),
    "middle": _middle(),
    "high": _high(),
}
# A single K-12 school offers all three catalogs; the level letter keeps course codes unique.
CATALOGS["k12"] = [
    replace(course, code=f"{course.code}-{level[0].upper()}")
    for level in ("elementary", "middle", "high")
    for course in CATALOGS[level]
]
