"""The notifications service's problem types (registered in ``shared.problems``)."""

from shared.problems import register_problem

NO_EMAIL = register_problem(
    "notifications/no-email",
    status=403,
    title="No e-mail address",
    description="The caller's sign-in carries no e-mail address, so it has no preferences to change.",
)
ESSENTIAL_KIND = register_problem(
    "notifications/essential-kind",
    status=422,
    title="Cannot be turned off",
    description="Invoices, their reminders and other essential messages cannot be turned off.",
)
BAD_UNSUBSCRIBE_TOKEN = register_problem(
    "notifications/bad-unsubscribe-token",
    status=404,
    title="Unknown unsubscribe link",
    description="The unsubscribe link is not one this service signed.",
)
