//! Political-theory courses, their lessons and tests, the admission-date setting of units,
//! members' admission dates, and certificates, one file per aggregate. Everything is
//! re-exported here, so callers name `persistence::theory::…` whichever file holds it.

mod admission;
mod attempts;
mod certificates;
mod courses;
mod programmes;
mod since;
mod tests;

pub use admission::{Admitted, ByPhone, admitted_in_subtree, set_admitted_at, users_by_phones};
pub use attempts::{TestAttempt, attempts_in_subtree, attempts_of_user};
pub use certificates::{
    Certificate, Standing, certificate_by_code, certificates_of_user, certificates_within,
    certified, certified_on, insert_certificate, revoke,
};
pub use courses::{
    Course, Lesson, NewCourse, NewLesson, add_lesson, current_course, get_course, get_lesson,
    insert_course, latest_version, list_courses, set_lesson_materials, versions_of,
};
pub use programmes::{
    BucketCount, Counts, LessonCount, Pending, Scope, counts as programme_counts, is_listed,
    is_officer, listed_count, pending as programme_pending, set_listed,
};
pub use since::{set_since, since_settings};
pub use tests::{TheoryTest, insert_test, test_of_round, tests_of_course, tests_of_rounds};
