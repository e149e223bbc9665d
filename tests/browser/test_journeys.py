"""One journey per role through the console in Chromium, each signed in through the real OpenID
Connect flow, with axe on every page and its screenshot written to docs/console/.

The journeys: a project lead applies and corrects the form; an applicant the programme does not
know applies (organisation by ODS code) and follows the application; the coordinator sees viability
move, decides go, runs the programme and reads the change package and collaborative report; a coach
sees readiness, signals and progress on My teams, scores a month and opens a chart with a signal and
a PDSA cycle's note; finance records a PO and a payment and downloads the PDF, then allocates and
refunds a credit and exports the ledger; a project lead runs the improvement project (team, aim,
ideas and votes, PDSA cycles) and uploads a CSV with a bad row, fixes it and sees the chart change;
a project lead whose expressions of interest were received sees the unread count in the header,
reads a message, marks the rest read and turns a reminder off.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from shared.auth import Role
from tests.browser.conftest import Stack
from tests.browser.console import check_page, menu, sign_in
from tests.browser.seed import Seed, this_week, unique

# 20 ordinary weeks, then a sustained rise: the chart shows special-cause signals.
# A lead-in's baseline of ordinary weeks.
BASELINE = [10, 12, 9, 11, 13, 10, 8, 12, 11]
WEEKLY = [10, 12, 9, 11, 13, 10, 8, 12, 11, 9, 10, 12, 11, 10, 9, 13, 11, 10, 12, 11, 40]


@pytest.fixture
def seed(stack: Stack) -> Seed:
    return Seed(stack)


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def test_a_project_lead_applies_for_a_cohort_and_corrects_the_form(
    page: Any, stack: Stack, seed: Seed
) -> None:
    organisation = seed.organisation(unique("Riverside NHS Foundation Trust"))
    cohort = seed.cohort(unique("Cohort"), start="2027-04-05")

    page.goto(stack.console)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enjoying Work collaborative")
    check_page(page, "01-start")
    page.get_by_role("link", name="Find out how to apply").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Apply to join a cohort")
    check_page(page, "02-apply")

    sign_in(
        page,
        stack,
        role="team_lead",
        name="Priya Shah",
        organisation=organisation["name"],
        start="/apply",
    )
    page.get_by_role("link", name=f"Apply to {cohort['name']}").click()
    expect(page.get_by_text("£4,300.00 per team, plus VAT at 20%")).to_be_visible()
    expect(page.get_by_text(re.compile(r"5:00pm on .* \(UK time"))).to_be_visible()
    check_page(page, "03-expression-of-interest")

    page.get_by_label("Team name").fill("Community Mental Health Team North")
    page.get_by_label("Type of service").fill("Community mental health team")
    page.get_by_label("How many people work in the team?").fill("18")
    lead = page.get_by_role("group", name="Project lead")
    lead.get_by_label("Full name").fill("Priya Shah")
    lead.get_by_label("Email address").fill("priya.shah-at-nhs.net")  # a mistake
    lead.get_by_label("Job title").fill("Team manager")
    page.get_by_label("Project lead's phone number").fill("01632 960 001")
    sponsor = page.get_by_role("group", name="Senior sponsor")
    sponsor.get_by_label("Full name").fill("Tom Okafor")
    sponsor.get_by_label("Email address").fill("tom.okafor@nhs.net")
    sponsor.get_by_label("Job title").fill("Associate director")
    page.get_by_label("Member 1: role or grade").fill("Band 6 nurse")
    page.get_by_label("Member 2: role or grade").fill("Peer support worker")
    page.get_by_label("Uses the service").nth(1).check()
    page.get_by_label("What does the team hope to improve?").fill(
        "How often staff feel thanked, and time to talk after a difficult shift"
    )
    commitments = page.get_by_role("group", name="Your team's commitments")
    for box in commitments.get_by_role("checkbox").all():
        box.check()
    page.get_by_role("button", name="Send expression of interest").click()

    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_contain_text("Project lead email")
    expect(page.locator("#field-project_lead-email-error")).to_be_visible()
    check_page(page, "04-expression-of-interest-error")

    lead.get_by_label("Email address").fill("priya.shah@nhs.net")
    page.get_by_role("button", name="Send expression of interest").click()
    expect(page.get_by_role("heading", name="Expression of interest sent")).to_be_visible()
    check_page(page, "05-expression-of-interest-sent")


def test_an_applicant_unknown_to_the_programme_applies_and_follows_the_application(
    page: Any, browser: Any, stack: Stack, seed: Seed
) -> None:
    cohort = seed.cohort(unique("Cohort"), start="2027-04-05")
    ods = f"Y{uuid.uuid4().hex[:5].upper()}"

    sign_in(page, stack, role="applicant", name="Dara Quinn")
    menu(page, "Apply")
    page.get_by_role("link", name=f"Apply to {cohort['name']}").click()
    group = page.get_by_role("group", name="Your organisation")
    group.get_by_label("ODS code").fill(ods)
    group.get_by_label("Organisation name").fill("Hillside Community Interest Company")
    group.get_by_label("Invoicing address").fill("Hillside House\n4 Station Road\nCardiff")
    group.get_by_label("Postcode").fill("CF10 1AA")
    group.get_by_label("Nation").select_option("wales")
    page.get_by_label("Team name").fill("Hillside Recovery Team")
    page.get_by_role("radio", name="Non-clinical").check()
    page.get_by_label("Type of service").fill("Recovery college")
    page.get_by_label("How many people work in the team?").fill("9")
    lead = page.get_by_role("group", name="Project lead")
    lead.get_by_label("Full name").fill("Dara Quinn")
    lead.get_by_label("Email address").fill("dara.quinn@example.org")
    lead.get_by_label("Job title").fill("Recovery lead")
    page.get_by_label("Project lead's phone number").fill("029 2018 0000")
    sponsor = page.get_by_role("group", name="Senior sponsor")
    sponsor.get_by_label("Full name").fill("Rhys Evans")
    sponsor.get_by_label("Email address").fill("rhys.evans@example.org")
    sponsor.get_by_label("Job title").fill("Chief executive")
    page.get_by_label("Member 1: role or grade").fill("Peer trainer")
    page.get_by_label("What does the team hope to improve?").fill("Time to reflect together")
    commitments = page.get_by_role("group", name="Your team's commitments")
    boxes = commitments.get_by_role("checkbox").all()
    assert len(boxes) == 5
    for box in boxes[:-1]:  # one commitment missed: the API names it
        box.check()
    check_page(page, "06-applicant-expression-of-interest")
    page.get_by_role("button", name="Send expression of interest").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_contain_text("Collecting data")
    expect(page.locator("#field-will_collect_data-error")).to_contain_text(
        "the team must commit to collect data"
    )
    boxes[-1].check()
    page.get_by_role("button", name="Send expression of interest").click()
    expect(page.get_by_role("heading", name="Expression of interest sent")).to_be_visible()

    page.get_by_role("link", name="See your applications").click()
    applications = page.get_by_role("table", name="Expressions of interest you sent")
    expect(applications).to_contain_text("Hillside Recovery Team")
    expect(applications).to_contain_text("Being checked")  # an organisation new to the programme
    check_page(page, "07-applicant-applications")

    # The coordinator, in another browser, checks the new organisation and accepts the team.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    coordinator = context.new_page()
    try:
        sign_in(coordinator, stack, role="coordinator", name="Sam Patel")
        menu(coordinator, "Cohorts")
        coordinator.get_by_role("link", name=cohort["name"]).click()
        row = coordinator.get_by_role("row").filter(has_text="Hillside Recovery Team")
        expect(row).to_contain_text("New: not checked")
        row.get_by_role("button", name="Verify Hillside Community Interest Company").click()
        expect(row).not_to_contain_text("New: not checked")
        row.get_by_role("button", name="Accept Hillside Recovery Team").click()
        expect(row).to_contain_text("Accepted")
        check_page(coordinator, "08-coordinator-verified-and-accepted")
    finally:
        context.close()
    menu(page, "Apply")
    menu(page, "Your applications")
    expect(applications).to_contain_text("Accepted")
    expect(applications).not_to_contain_text("Being checked")


def test_the_coordinator_sees_viability_move_and_decides_go(
    page: Any, stack: Stack, seed: Seed
) -> None:
    organisation = seed.organisation(unique("Moorland NHS Trust"))
    # Started this year, so its first learning session is over and its register can be taken.
    cohort = seed.cohort(unique("Cohort"), minimum=2, start="2026-01-05")
    coach = seed.coach(unique("Morgan Coach"))
    first = seed.eoi(cohort["id"], organisation["id"], unique("Oak Ward"))
    second = seed.eoi(cohort["id"], organisation["id"], unique("Elm Ward"))

    sign_in(page, stack, role="coordinator", name="Sam Patel")
    check_page(page, "10-coordinator-home")
    menu(page, "Cohorts")
    # A reload keeps the sign-in (the tab's session storage) and the pages' first requests carry it.
    page.reload()
    expect(page.get_by_role("link", name=cohort["name"])).to_be_visible()
    check_page(page, "11-cohorts")
    page.get_by_role("link", name=cohort["name"]).click()
    count = page.get_by_test_id("viability-count")
    expect(count).to_have_text("0 of 2 teams accepted")
    expect(page.get_by_test_id("viability-shortfall")).to_have_text("Short by 2 teams")
    check_page(page, "12-cohort-viability")

    # Another trust applies while the coordinator watches: the page follows by itself.
    seed.eoi(cohort["id"], organisation["id"], unique("Ash Ward"))
    expect(page.get_by_text("3 expressions of interest live")).to_be_visible(timeout=20_000)

    page.get_by_role("button", name=f"Accept {first['team_name']}").click()
    expect(count).to_have_text("1 of 2 teams accepted")
    expect(page.get_by_test_id("viability-shortfall")).to_have_text("Short by 1 team")
    page.get_by_role("button", name=f"Accept {second['team_name']}").click()
    expect(count).to_have_text("2 of 2 teams accepted")
    expect(page.get_by_test_id("viability-shortfall")).to_have_text("Viable")

    page.get_by_role("button", name="Go ahead with accepted teams").click()
    expect(page.get_by_text("The cohort is going ahead")).to_be_visible()
    # Teams were confirmed and coaches allocated on go; a coach can be changed per team.
    expect(page.get_by_label(f"Coach for {first['team_name']}")).to_have_value(coach["id"])
    check_page(page, "13-cohort-decided")
    page.set_viewport_size({"width": 768, "height": 1024})
    check_page(page, "14-cohort-decided-tablet")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name="Learning sessions and sets").click()
    # The sessions service drafts the programme when the cohort is confirmed.
    mode = page.get_by_label(re.compile("^Mode of ")).first
    expect(mode).to_be_visible(timeout=20_000)
    mode.select_option("hybrid")
    page.get_by_label(re.compile("^Venue of ")).first.fill(
        "Royal College, 21 Prescot Street, London"
    )
    page.get_by_role("button", name=re.compile("^Change mode of ")).first.click()
    expect(page.get_by_role("status")).to_contain_text("changed")
    expect(page.get_by_label(re.compile("^Mode of ")).first).to_have_value("hybrid")
    check_page(page, "15-programme")

    page.get_by_role("link", name=re.compile("^Register for ")).first.click()
    page.get_by_label(f"{first['team_name']} attended").check()
    page.get_by_label(f"People from {first['team_name']}").fill("4")
    page.get_by_role("button", name="Save register").click()
    expect(page.get_by_text("Attendance recorded for 2 teams")).to_be_visible()
    check_page(page, "16-attendance-register")

    # The cohort's change package and its collaborative report, with a team's weekly data.
    world = {"organisation": organisation, "cohort": cohort, "team": first}
    # From the cohort's start: a baseline through the lead-in, then a lasting rise in coaching.
    weeks = (this_week() - date(2026, 1, 5)).days // 7 + 1
    seed.weekly_values(
        world, "what_matters_conversations", BASELINE + [20] * (weeks - len(BASELINE))
    )
    menu(page, "Cohorts")
    page.get_by_role("link", name=cohort["name"]).click()
    page.get_by_role("link", name="Change package").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Change package")
    expect(page.get_by_role("heading", level=2).first).to_be_visible()
    check_page(page, "18-change-package")
    page.get_by_role("link", name=cohort["name"]).click()
    page.get_by_role("link", name="Collaborative report").click()
    teams = page.get_by_role("table", name="Teams on 'What matters to you' conversations held")
    expect(teams.get_by_role("row").filter(has_text=first["team_name"])).to_contain_text(
        "Improving"
    )
    expect(page.get_by_test_id("teams-improved")).to_have_text("1")
    check_page(page, "19-collaborative-report")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the report (PDF)").click()
    with open(download_info.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    menu(page, "Dead letters")
    expect(page.get_by_text("Billing: no dead letters.")).to_be_visible()
    check_page(page, "17-dead-letters")


def test_a_coach_opens_a_chart_with_a_signal_and_a_pdsa_cycle(
    page: Any, stack: Stack, seed: Seed
) -> None:
    world = seed.confirmed_team()
    team = world["team"]
    seed.weekly_values(world, "what_matters_conversations", WEEKLY)
    seed.pdsa_cycle(world, "what_matters_conversations", "Thank-you cards at handover")

    sign_in(page, stack, role="coach", name="Casey Jones", coach=world["coach"]["name"])
    menu(page, "My teams")
    row = page.get_by_role("row").filter(has_text=team["team_name"])
    expect(row).to_contain_text("1 improvement")  # the latest signals of its charts
    expect(row).to_contain_text("of 5 steps")  # readiness for coaching
    expect(row).to_contain_text("Not scored yet")
    check_page(page, "20-coach-my-teams")
    page.get_by_role("link", name=team["team_name"]).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(team["team_name"])
    check_page(page, "21-coach-team")

    page.get_by_role("link", name="Project team and aim").click()
    page.get_by_label("Score", exact=True).select_option("1.5")
    page.get_by_label("Note (optional)").fill("Project team formed, aim drafted")
    page.get_by_role("button", name="Save the score").click()
    expect(page.get_by_role("table", name="Progress scores by month")).to_contain_text(
        "Project team formed, aim drafted"
    )
    check_page(page, "23-coach-project")
    page.get_by_role("link", name=team["team_name"]).click()
    page.get_by_role("link", name="Change ideas and PDSA cycles").click()
    expect(
        page.get_by_role("table", name="PDSA cycles of Thank-you cards at handover")
    ).to_contain_text("Testing")
    page.get_by_role("link", name=team["team_name"]).click()
    page.get_by_role("link", name="Project meetings").click()
    page.get_by_text("Log a meeting").click()
    page.get_by_label("The QI coach").check()
    page.get_by_label("An action agreed (optional)").fill("Order thank-you cards")
    page.get_by_label("Who will do it").fill("Ward manager")
    page.get_by_role("button", name="Log the meeting").click()
    expect(page.get_by_role("table", name="Actions")).to_contain_text("Order thank-you cards")
    expect(page.get_by_role("table", name="Meetings of the project team")).to_contain_text("Joined")
    check_page(page, "24-coach-meetings")
    page.get_by_role("link", name=team["team_name"]).click()

    page.get_by_role("link", name=re.compile("See chart of .*conversations", re.IGNORECASE)).click()
    chart = page.get_by_role("img", name=re.compile("chart of"))
    expect(chart).to_be_visible()
    signals = page.get_by_role("table", name="Signals")
    expect(signals).to_contain_text("Improvement")
    # The improvement service's PDSA cycle, started today, is a note on this week's point.
    notes = page.get_by_role("table", name="Notes on the chart")
    expect(notes).to_contain_text("Testing 'Thank-you cards at handover' (PDSA cycle 1)")
    expect(notes).to_contain_text("improvement service")
    page.get_by_text("Add a note to the chart").click()
    two_weeks_ago = date.today() - timedelta(weeks=2)
    page.get_by_label("Date").fill(two_weeks_ago.isoformat())
    page.get_by_label("Note", exact=True).fill("Started thank-you cards at handover")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("table", name="Notes on the chart")).to_contain_text("thank-you cards")
    check_page(page, "22-coach-chart")

    # Signed in as the coach picked, the coach's feed is the one their alerts go to.
    page.get_by_role("banner").get_by_role("link", name=re.compile("^Notifications")).click()
    expect(page.get_by_text(f"messages sent to {world['coach']['email']}")).to_be_visible()


def test_finance_records_a_po_and_a_payment_and_downloads_the_pdf(
    page: Any, stack: Stack, seed: Seed
) -> None:
    world = seed.confirmed_team(coach=False)
    organisation = world["organisation"]["name"]
    proforma = seed.eventually(
        lambda: [
            p
            for p in seed.call(
                "GET", "billing", "/proformas", params={"limit": 200}, role=_finance()
            )
            if p["team_id"] == world["team"]["id"]
        ]
    )[0]

    sign_in(page, stack, role="finance", name="Jo Finance")
    menu(page, "Pro-formas")
    check_page(page, "30-finance-proformas")
    page.get_by_label(f"Purchase order number for {proforma['reference']}").fill("PO-778899")
    page.get_by_role("button", name=f"Record purchase order for {proforma['reference']}").click()
    banner = page.get_by_role("alert").filter(has_text="VAT invoice")
    expect(banner).to_be_visible()
    banner.get_by_role("link").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Invoice")
    expect(page.get_by_text(organisation).first).to_be_visible()
    page.get_by_label("Reference").fill("BACS 20261206 NORTHFIELD")
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_role("alert").filter(has_text="Payment of")).to_contain_text(
        "Outstanding: £0.00"
    )
    expect(page.get_by_role("table", name="Payments")).to_contain_text("BACS 20261206 NORTHFIELD")
    check_page(page, "31-finance-invoice-paid")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download invoice PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    menu(page, "Invoices")
    check_page(page, "32-finance-invoices")
    menu(page, "Credit notes")
    check_page(page, "33-finance-credit-notes")
    menu(page, "Overdue")
    check_page(page, "34-finance-overdue")


def test_a_project_lead_runs_the_improvement_project_and_sees_calendar_and_invoices(
    page: Any, stack: Stack, seed: Seed
) -> None:
    world = seed.confirmed_team()
    team = world["team"]
    seed.weekly_values(world, "what_matters_conversations", WEEKLY)
    invoice = seed.invoiced(world)

    sign_in(
        page, stack, role="team_lead", name="Priya Shah", organisation=world["organisation"]["name"]
    )
    menu(page, "Our teams")
    check_page(page, "40-lead-our-teams")
    page.get_by_role("link", name=team["team_name"]).click()
    page.get_by_role("button", name="Get a calendar link").click()
    expect(page.get_by_label("Calendar subscription link")).to_have_value(
        re.compile(r"calendar\.ics\?token=")
    )
    check_page(page, "41-lead-team")

    page.get_by_role("link", name="Project team and aim").click()
    page.get_by_label("Role or grade").fill("Occupational therapist")
    page.get_by_label("Data champion").check()
    page.get_by_role("button", name="Add to the project team").click()
    members = page.get_by_role("table", name="Members of the project team")
    expect(members).to_contain_text("Occupational therapist")
    page.get_by_text("Write the aim").click()
    page.get_by_label("What will improve").fill("the staff who frequently enjoy being at work")
    page.get_by_label("By how much").fill("from 40% to 60%")
    page.get_by_label("By when").fill("2027-12-31")
    page.get_by_role("button", name="Save the aim").click()
    expect(page.get_by_test_id("aim-statement")).to_contain_text("from 40% to 60%")
    expect(page.get_by_text("Not agreed with the coach yet")).to_be_visible()
    check_page(page, "47-lead-project-team-and-aim")

    page.get_by_role("link", name=team["team_name"]).click()
    page.get_by_role("link", name="Ideas and votes").click()
    for text in ("Being thanked for the work we do", "The rota comes out two days ahead"):
        page.get_by_label("The idea, in the staff's words").fill(text)
        page.get_by_role("button", name="Add the idea").click()
        expect(page.get_by_role("table", name="The team's ideas")).to_contain_text(text)
    page.get_by_text("Open a vote").click()
    page.get_by_label("Title of the vote").fill("What first?")
    page.get_by_label("Number of voters").fill("2")
    page.get_by_role("button", name="Open the vote").click()
    codes = page.get_by_test_id("ballot-codes").locator("code")
    expect(codes).to_have_count(2)
    page.get_by_label("Ballot code").fill(codes.first.inner_text())
    page.get_by_label("Being thanked for the work we do").check()
    page.get_by_role("button", name="Cast vote").click()
    expect(page.get_by_text("1 of 2 ballots cast")).to_be_visible()
    page.get_by_role("button", name="Close the vote and see the results").click()
    results = page.get_by_role("table", name="Results of What first?")
    expect(results.get_by_role("row").nth(1)).to_contain_text("Being thanked for the work we do")
    check_page(page, "48-lead-ideas-and-votes")

    page.get_by_role("link", name=team["team_name"]).click()
    page.get_by_role("link", name="Change ideas and PDSA cycles").click()
    page.get_by_role("button", name="Start the driver diagram from the change package").click()
    page.get_by_label("Change idea", exact=True).fill("Thank-you cards at handover")
    page.get_by_role("button", name="Add the change idea").click()
    page.get_by_role("button", name="Plan a cycle of Thank-you cards at handover").click()
    page.get_by_label("Objective").fill("Cards lift how thanked staff feel")
    page.get_by_label("Prediction").fill("Half the shift writes one")
    page.get_by_label(re.compile("conversations held")).check()
    page.get_by_role("button", name="Plan the cycle").click()
    cycles = page.get_by_role("table", name="PDSA cycles of Thank-you cards at handover")
    expect(cycles).to_contain_text("Planned")
    page.get_by_role("button", name=re.compile("^Start testing")).click()
    expect(cycles).to_contain_text("Testing")
    page.get_by_text("Finish the test: do, study, act").click()
    page.get_by_label("Do: what happened").fill("Cards written on two shifts")
    page.get_by_label("Study: the results").fill("More cards than predicted")
    page.get_by_label("Study: how they compare with the prediction").fill("Above")
    page.get_by_label(re.compile("^Adapt")).check()
    page.get_by_role("button", name="Finish the test").click()
    expect(cycles).to_contain_text("Adapt on")
    check_page(page, "49-lead-pdsa-cycles")

    menu(page, "Invoices")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Invoices"))
    page.get_by_role("link", name=invoice["number"]).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(invoice["number"])
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download invoice PDF").click()
    with open(download_info.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    page.get_by_role("link", name="Invoices").first.click()
    check_page(page, "42-lead-invoices")


def test_finance_allocates_and_refunds_a_credit_and_exports_the_ledger(
    page: Any, stack: Stack, seed: Seed
) -> None:
    world = seed.credited_organisation()
    note = world["note"]
    unused = Decimal(note["unused"])
    assert unused > 1000  # the paid invoice was credited in full
    other = world["invoices"][1]

    sign_in(page, stack, role="finance", name="Jo Finance")
    menu(page, "Credit notes")
    page.get_by_role("link", name=note["number"]).click()
    left = page.get_by_test_id("credit-unused")
    expect(left).to_have_text(f"£{unused:,.2f}")
    page.get_by_label("Invoice", exact=True).select_option(other["id"])
    page.get_by_label("Amount to allocate in pounds").fill("1000.00")
    page.get_by_role("button", name="Allocate credit").click()
    expect(page.get_by_role("alert").filter(has_text="allocated")).to_contain_text("£1,000.00")
    expect(left).to_have_text(f"£{unused - 1000:,.2f}")
    page.get_by_label("Amount refunded in pounds").fill(f"{unused - 1000:.2f}")
    page.get_by_label("Reference").fill("REFUND EASTGATE")
    page.get_by_role("button", name="Record refund").click()
    expect(page.get_by_role("alert").filter(has_text="Refund of")).to_be_visible()
    expect(left).to_have_text("£0.00")
    check_page(page, "35-finance-credit-note")

    menu(page, "Ledger export")
    check_page(page, "36-finance-ledger-export")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the ledger (CSV)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8") as ledger:
        text = ledger.read()
    assert note["number"] in text and other["number"] in text


def _finance() -> Any:
    from shared.auth import Role

    return Role.finance


def test_a_project_lead_uploads_a_csv_fixes_a_bad_row_and_sees_the_chart_change(
    page: Any, stack: Stack, seed: Seed, tmp_path: Any
) -> None:
    world = seed.confirmed_team()
    team = world["team"]
    # Twenty ordinary weeks up to last week; this week's figure comes in the upload.
    seed.weekly_values(world, "what_matters_conversations", WEEKLY[:-1], weeks_before=1)
    week = this_week()
    last_week = week - timedelta(weeks=1)

    sign_in(
        page, stack, role="team_lead", name="Priya Shah", organisation=world["organisation"]["name"]
    )
    menu(page, "Our teams")
    page.get_by_role("link", name=team["team_name"]).click()
    page.get_by_role("link", name=re.compile("See chart of .*conversations", re.IGNORECASE)).click()
    caption = page.locator("figcaption")
    expect(caption).to_contain_text(f"latest {last_week.isoformat()} = 11")
    page.get_by_role("link", name=team["team_name"]).click()
    page.get_by_role("link", name="Upload data (CSV)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Upload data")
    check_page(page, "43-lead-upload")

    header = "client_id,measure,period,value\n"
    good = f"upload-1,what_matters_conversations,{week.isoformat()},40\n"
    bad = f"upload-2,what_matters_conversations,{last_week.isoformat()},lots\n"
    csv = tmp_path / "conversations.csv"
    csv.write_text(header + good + bad)
    page.get_by_label("CSV file").set_input_files(str(csv))
    page.get_by_role("button", name="Upload file").click()
    rows = page.get_by_role("table", name="Rows to fix")
    expect(rows).to_contain_text("value")
    expect(rows.get_by_role("cell", name="3", exact=True)).to_be_visible()  # line 3 of the file
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_contain_text(
        "Line 3"
    )
    check_page(page, "44-lead-upload-error")

    csv.write_text(header + good)
    page.get_by_label("CSV file").set_input_files(str(csv))
    page.get_by_role("button", name="Upload file").click()
    expect(page.get_by_role("alert").filter(has_text="1 rows uploaded")).to_be_visible()
    check_page(page, "45-lead-upload-done")

    page.get_by_role("link", name=re.compile("See chart of .*conversations", re.IGNORECASE)).click()
    expect(caption).to_contain_text(f"latest {week.isoformat()} = 40")
    expect(page.get_by_role("table", name="Signals")).to_contain_text("Improvement")
    check_page(page, "46-lead-chart-after-upload")


def test_a_project_lead_reads_the_notification_feed_and_turns_a_reminder_off(
    page: Any, stack: Stack, seed: Seed
) -> None:
    # Two expressions of interest name the same project lead: each sends "expression of interest
    # received" to the lead's address (services/notifications/applications.py), one after the
    # other so that the feed's order is known.
    email = f"sam.patel.{uuid.uuid4().hex[:6]}@example.nhs.uk"
    organisation = seed.organisation(unique("Moorside NHS Trust"))
    cohort = seed.cohort(unique("Cohort"), start="2027-04-05")
    lead = {"name": "Sam Patel", "email": email, "job_title": "Ward manager"}
    teams = [unique("Oak Ward"), unique("Elm Ward")]
    for sent, team in enumerate(teams, start=1):
        seed.eoi(cohort["id"], organisation["id"], team, project_lead=lead)
        seed.eventually(lambda n=sent: seed.feed(email, organisation["id"])["unread"] == n)

    sign_in(
        page,
        stack,
        role="team_lead",
        name="Sam Patel",
        organisation=organisation["name"],
        email=email,
    )
    header = page.get_by_role("banner")
    expect(header.get_by_role("link", name="Notifications (2 unread)")).to_be_visible()
    check_page(page, "50-home-with-unread-count")

    header.get_by_role("link", name="Notifications (2 unread)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Notifications"))
    expect(page.get_by_text("You have 2 unread messages.")).to_be_visible()
    rows = page.get_by_role("table", name="Your messages").get_by_role("row")
    expect(rows).to_have_count(3)  # the header row and the two messages, newest first
    expect(rows.nth(1)).to_contain_text(f"Expression of interest received: {teams[1]}")
    expect(rows.nth(2)).to_contain_text(f"Expression of interest received: {teams[0]}")
    expect(rows.nth(1)).to_contain_text(re.compile(r"on .* \(UK time"))
    expect(rows.nth(1)).to_contain_text("Unread")
    check_page(page, "51-notifications")

    page.get_by_role("link", name=f"Expression of interest received: {teams[0]}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(teams[0])
    expect(page.get_by_text(f"received the expression of interest of {teams[0]}")).to_be_visible()
    check_page(page, "52-notification-message")
    page.get_by_role("button", name="Mark as read").click()
    expect(page.get_by_role("alert").filter(has_text="Marked as read")).to_be_focused()
    expect(header.get_by_role("link", name="Notifications (1 unread)")).to_be_visible()
    expect(page.get_by_role("button", name="Mark as read")).to_have_count(0)

    page.get_by_role("link", name="Back to notifications").click()
    expect(page.get_by_text("You have 1 unread message.")).to_be_visible()
    expect(rows.nth(2)).to_contain_text("Read")
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_text("1 message marked as read")).to_be_visible()
    expect(header.get_by_role("link", name="Notifications (0 unread)")).to_be_visible()
    expect(page.get_by_text("You have no unread messages.")).to_be_visible()
    check_page(page, "53-notifications-all-read")
    assert seed.feed(email, organisation["id"])["unread"] == 0

    page.get_by_role("link", name="Choose which messages you get").click()
    always = page.get_by_role("list", name="Messages that are always sent")
    expect(always).to_contain_text("Expression of interest received")
    expect(always).to_contain_text("Invoices")
    reminders = page.get_by_label("Reminders before a learning session")
    expect(reminders).to_be_checked()
    reminders.uncheck()
    page.get_by_role("button", name="Save choices").click()
    expect(page.get_by_text("Your choices are saved")).to_be_visible()
    check_page(page, "54-notification-preferences")
    claims = {"organisation_id": organisation["id"], "email": email}
    chosen = seed.call("GET", "notifications", "/me/preferences", Role.team_lead, claims)
    assert chosen["kinds"]["session_reminder"] is False
    assert chosen["kinds"]["chart_signal"] is True
    page.reload()
    expect(page.get_by_label("Reminders before a learning session")).not_to_be_checked()

    # A console that offered an essential kind (an older one, say) shows the API's refusal.
    def offer_an_essential_kind(route: Any) -> None:
        if route.request.method != "PUT":
            route.continue_()
            return
        body = json.loads(route.request.post_data)
        body["kinds"]["eoi_received"] = False
        route.continue_(post_data=json.dumps(body))

    page.route("**/api/notifications/me/preferences", offer_an_essential_kind)
    page.get_by_role("button", name="Save choices").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_contain_text(
        "These messages cannot be turned off: Expression of interest received"
    )
    check_page(page, "55-notification-preferences-refused")
