"""``make token ROLE=coordinator [ORG=<organisation id>] [EMAIL=<address>]``: a development bearer
token that the locally running services accept (signed with the development secret, valid 8
hours). ``EMAIL`` gives it an ``email`` claim: the notifications feed shows that address's
messages."""

from __future__ import annotations

import argparse

from shared.auth import CLAIM_REQUIRED, Role, issue_token
from shared.settings import ServiceSettings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--role", required=True, choices=[r.value for r in Role])
    parser.add_argument("--org", help="organisation id (team_lead tokens)")
    parser.add_argument("--coach", help="coach id (coach tokens)")
    parser.add_argument("--subject", default="dev-user")
    parser.add_argument("--email", help="the person's e-mail address (their notifications feed)")
    args = parser.parse_args()
    claim = CLAIM_REQUIRED.get(Role(args.role))
    if claim is not None and not {"org": args.org, "coach": args.coach}[claim]:
        # The services refuse such a token (401): its role is scoped by that claim.
        parser.error(f"a {args.role} token needs --{claim} (its `{claim}` claim)")
    settings = ServiceSettings()
    print(
        issue_token(
            settings,
            role=args.role,
            subject=args.subject,
            organisation_id=args.org,
            coach_id=args.coach,
            **({"email": args.email} if args.email else {}),
        )
    )


if __name__ == "__main__":
    main()
