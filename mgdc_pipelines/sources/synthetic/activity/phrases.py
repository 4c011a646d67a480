"""What people write about: subjects, sentences, meeting titles, chat lines and file names.

Templates use ``{customer}``, ``{project}``, ``{quarter}``, ``{number}``, ``{month}``,
``{weekday}`` and ``{person}``; :func:`fill` replaces them from a random generator.
"""

from __future__ import annotations

import random
from functools import lru_cache
from string import Formatter

from mgdc_pipelines.sources.synthetic.randomness import pick
from mgdc_pipelines.sources.synthetic.wordlists import listed

SUBJECTS: dict[str, tuple[str, ...]] = {
    "engineering": (
        "Design review: {project} service split",
        "Incident {number} postmortem",
        "Sprint {number} planning",
        "Code freeze for release {number}.{quarter}",
        "On-call handover for next week",
        "Flaky tests in the {project} pipeline",
        "Latency regression in {project} API",
        "RFC: moving {project} to event streaming",
        "Security review findings for {project}",
        "Capacity plan for {quarter}",
    ),
    "sales": (
        "{customer} renewal - next steps",
        "Pricing proposal for {customer}",
        "Discount approval needed: {customer}",
        "{quarter} pipeline review",
        "Intro call with {customer}",
        "{customer} RFP response draft",
        "Forecast update for {month}",
        "Territory plan {quarter}",
        "Follow-up from {customer} demo",
    ),
    "support": (
        "Escalation: {customer} outage ticket {number}",
        "Weekly support metrics",
        "Knowledge base article review",
        "{customer} CSAT follow-up",
        "Backlog triage for {weekday}",
        "Hotfix request from {customer}",
        "Customer health review: {customer}",
    ),
    "marketing": (
        "Campaign brief: {project} launch",
        "Webinar speakers for {month}",
        "Brand guidelines refresh",
        "{quarter} events calendar",
        "Case study with {customer}",
        "Newsletter draft for {month}",
        "Website copy review",
        "Social media plan for {project}",
    ),
    "operations": (
        "Laptop refresh for {month}",
        "Vendor contract renewal: {customer}",
        "Office move logistics",
        "Purchase order {number} approval",
        "Network maintenance window {weekday}",
        "Facilities request {number}",
        "Software licence true-up {quarter}",
    ),
    "finance": (
        "{month} close checklist",
        "Invoice {number} from {customer}",
        "Budget review {quarter}",
        "Expense report questions",
        "Audit request list",
        "Payroll cut-off for {month}",
        "Revenue recognition for {customer}",
        "FP&A model update {quarter}",
    ),
    "hr": (
        "Interview loop for req {number}",
        "Onboarding plan for new hires",
        "Benefits enrollment reminder",
        "Performance review timeline {quarter}",
        "Offer approval for req {number}",
        "Learning week agenda",
        "Engagement survey results",
        "Policy update: hybrid work",
    ),
    "legal": (
        "NDA with {customer}",
        "MSA redlines from {customer}",
        "DPA review for {project}",
        "Trademark filing for {project}",
        "Contract {number} signature",
        "Privacy impact assessment",
        "Litigation hold notice",
        "Compliance training deadline",
    ),
    "executive": (
        "Board deck {quarter}",
        "Leadership offsite agenda",
        "{quarter} priorities",
        "Org announcement draft",
        "Strategy review: {project}",
        "Operating plan {quarter}",
    ),
}

ANNOUNCEMENTS: tuple[str, ...] = listed("""
    All-hands: {quarter} update, Welcome our new team members, Office closure on {weekday},
    Benefits enrollment opens in {month}, Celebrating {project} launch, Reminder: security
    awareness training, Org update, Holiday schedule for {month}
    """)

OPENINGS: tuple[str, ...] = (
    "Hi {person},",
    "Hello {person},",
    "Hi all,",
    "Hi team,",
    "{person} -",
    "Good morning {person},",
)

SENTENCES: tuple[str, ...] = (
    "Following up on our conversation from {weekday}, here is where things stand.",
    "I have attached the latest version with the changes we discussed.",
    "Could you take a look before the end of the week?",
    "The main open question is whether we can hit the {month} date without adding risk.",
    "{customer} asked for an updated timeline and a short summary of the trade-offs.",
    "I talked to finance and the numbers for {quarter} look reasonable.",
    "Let me know if anything here does not match your understanding.",
    "We should loop in legal before we share this externally.",
    "The dashboard now shows {number} open items, down from last week.",
    "I would suggest we keep the scope small and revisit after the pilot.",
    "Thanks for the quick turnaround on this.",
    "Can we find thirty minutes to go through the details together?",
    "I have blocked some time on {weekday} afternoon to work through the feedback.",
    "The {project} team confirmed they can support the change.",
    "Please treat this as confidential until the announcement.",
    "We are still waiting on two approvals, which I expect by {weekday}.",
    "Happy to walk anyone through it if that helps.",
    "Noting the action items below so nothing falls through the cracks.",
    "The risk is mostly on the integration side; everything else is on track.",
    "Sharing the notes from today's sync for those who could not make it.",
)

REPLIES: tuple[str, ...] = (
    "Thanks, this looks good to me.",
    "Agreed - let's go ahead.",
    "I have a few comments inline, mostly minor.",
    "Can we push this to next week?",
    "Looping in {person} who owns this area.",
    "Sounds good, I will update the tracker.",
    "One concern: the timeline seems tight for {month}.",
    "Approved from my side.",
    "Let me check with {customer} and get back to you.",
    "Great work on this, thank you!",
)

SIGN_OFFS: tuple[str, ...] = ("Thanks,", "Best,", "Regards,", "Cheers,", "Thank you,")

MEETING_SUBJECTS: tuple[str, ...] = listed("""
    {project} sync, Review: {project} proposal, {customer} account review, Brainstorm:
    {quarter} goals, Interview debrief, Planning: {month} launch, Quick catch-up, Working
    session: {project}, Demo for {customer}, Retro: sprint {number}, Budget check-in
    {quarter}, Coffee chat
    """)

CHAT_LINES: tuple[str, ...] = (
    "hey, got a minute?",
    "sure, what's up",
    "did you see the latest numbers?",
    "yes - looks better than last week",
    "can you review my PR when you get a chance?",
    "on it",
    "thanks!",
    "running 5 min late to the sync",
    "no worries",
    "sharing the doc here",
    "lunch today?",
    "sounds good 👍",
    "can we move our 1:1 to tomorrow?",
    "works for me",
    "quick question about the {project} rollout",
    "ping me when you're free",
    "I'll send the summary after this call",
    "nice work on the demo!",
    "let me check and get back to you",
    "{customer} just replied, looks positive",
    "meeting room is booked",
    "haha fair enough",
)

FILE_STEMS: dict[str, tuple[str, ...]] = {
    "engineering": (
        "Architecture overview",
        "Runbook",
        "Postmortem",
        "Load test results",
        "API spec",
    ),
    "sales": ("Proposal", "Pricing sheet", "Account plan", "Pipeline", "Quote"),
    "support": ("Ticket export", "Escalation summary", "Support metrics", "Troubleshooting guide"),
    "marketing": ("Campaign brief", "Brand guidelines", "Event plan", "Webinar deck", "Case study"),
    "operations": ("Vendor list", "Asset inventory", "Purchase order", "Floor plan"),
    "finance": ("Budget", "Forecast", "Invoice", "Close checklist", "Expense report"),
    "hr": ("Offer letter", "Onboarding plan", "Org chart", "Interview guide", "Benefits overview"),
    "legal": ("NDA", "MSA redline", "DPA", "Contract", "Compliance checklist"),
    "executive": ("Board deck", "Operating plan", "Strategy memo", "Leadership agenda"),
}

FILE_TYPES: tuple[tuple[str, str], ...] = (
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("pdf", "application/pdf"),
    ("png", "image/png"),
    ("csv", "text/csv"),
)

PROJECT_CODENAMES = listed("""
    Atlas, Borealis, Cascade, Dynamo, Evergreen, Falcon, Granite, Horizon, Nimbus
    """)
MONTHS = listed("""
    January, February, March, April, May, June, July, August, September, October, November,
    December
    """)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
CUSTOMERS = listed("""
    Fabrikam, Northwind, Adventure Works, Tailspin Toys, Wingtip, Lamna Healthcare, Alpine
    Ski House, Relecloud
    """)


_VALUES = {
    "customer": lambda rng: pick(rng, CUSTOMERS),
    "project": lambda rng: pick(rng, PROJECT_CODENAMES),
    "quarter": lambda rng: f"Q{rng.randint(1, 4)}",
    "number": lambda rng: rng.randint(12, 4800),
    "month": lambda rng: pick(rng, MONTHS),
    "weekday": lambda rng: pick(rng, WEEKDAYS),
}


@lru_cache(maxsize=1024)
def _placeholders(template: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for _, name, _, _ in Formatter().parse(template) if name))


def fill(template: str, rng: random.Random, person: str = "there") -> str:
    """Replace the template's placeholders with plausible values (only those it uses)."""
    names = _placeholders(template)
    if not names:
        return template
    values = {name: person if name == "person" else _VALUES[name](rng) for name in names}
    return template.format(**values)


def file_name(rng: random.Random, department_key: str) -> tuple[str, str, str]:
    """``(name, extension, MIME type)`` of a plausible work document."""
    stem = fill(pick(rng, FILE_STEMS.get(department_key, FILE_STEMS["executive"])), rng)
    extension, mime = pick(rng, FILE_TYPES[:4]) if rng.random() < 0.9 else pick(rng, FILE_TYPES[4:])
    suffix = pick(
        rng,
        ("", " v2", " - final", " (draft)", f" {pick(rng, CUSTOMERS)}", f" Q{rng.randint(1, 4)}"),
    )
    return f"{stem}{suffix}.{extension}", extension, mime
