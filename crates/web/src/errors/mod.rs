//! Error pages in the site layout.

use askama::Template;

use crate::error::Problem;
use crate::layout::Chrome;

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    problem: &'a Problem,
    heading: &'a str,
}

/// The page for an error. It cannot itself fail: if the template did, a plain
/// page still says what happened.
pub fn page(problem: &Problem) -> String {
    let heading = match problem.status {
        404 => "Page not found",
        500 => "Sorry, there is a problem with the service",
        503 => "Sorry, the service is unavailable",
        _ => problem.title.as_str(),
    };
    let page = ErrorPage {
        chrome: Chrome::new(heading, ""),
        problem,
        heading,
    };
    page.render().unwrap_or_else(|_| {
        format!(
            "<!doctype html><html lang=\"en-GB\"><title>{0}</title><main id=\"main\"><h1>{0}</h1></main></html>",
            problem.status
        )
    })
}
