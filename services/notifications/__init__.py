"""The notifications service: tells people what the other services recorded, by e-mail and in an
in-app feed (see docs/notifications.md)."""
