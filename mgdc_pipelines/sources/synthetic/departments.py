"""The company's departments: size, job titles and how much each talks to the outside world.

Each department gets one Microsoft 365 group (Teams-enabled) whose mail nickname is the
department's ``nickname`` (``sales``, ``engineering``, ...), so its group id is predictable.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Department:
    name: str
    nickname: str
    weight: float  # share of employees
    ic_titles: tuple[str, ...]  # individual-contributor titles, most common first
    manager_title: str  # first-line manager
    external_mail_share: float  # share of threads that involve people outside the company
    external_contacts: int  # how many outside people a typical member deals with
    description: str

    @property
    def vp_title(self) -> str:
        return f"Vice President, {self.name}"

    @property
    def director_title(self) -> str:
        return f"Director of {self.name}"


DEPARTMENTS: tuple[Department, ...] = (
    Department(
        "Engineering",
        "engineering",
        0.30,
        (
            "Software Engineer",
            "Senior Software Engineer",
            "Software Engineer II",
            "Principal Software Engineer",
            "Site Reliability Engineer",
            "Data Engineer",
            "QA Engineer",
            "Security Engineer",
        ),
        "Engineering Manager",
        0.06,
        2,
        "Builds and runs the product platform.",
    ),
    Department(
        "Sales",
        "sales",
        0.17,
        (
            "Account Executive",
            "Senior Account Executive",
            "Sales Development Representative",
            "Solutions Consultant",
            "Account Manager",
        ),
        "Sales Manager",
        0.38,
        10,
        "New business, renewals and key accounts.",
    ),
    Department(
        "Support",
        "support",
        0.12,
        (
            "Support Engineer",
            "Customer Success Manager",
            "Technical Support Specialist",
            "Escalation Engineer",
            "Support Operations Analyst",
        ),
        "Support Manager",
        0.3,
        8,
        "Customer support and customer success.",
    ),
    Department(
        "Marketing",
        "marketing",
        0.1,
        (
            "Marketing Specialist",
            "Content Strategist",
            "Product Marketing Manager",
            "Digital Marketing Analyst",
            "Brand Designer",
        ),
        "Marketing Manager",
        0.18,
        5,
        "Brand, campaigns, events and product marketing.",
    ),
    Department(
        "Operations",
        "operations",
        0.1,
        (
            "Operations Analyst",
            "IT Administrator",
            "Procurement Specialist",
            "Facilities Coordinator",
            "Supply Chain Analyst",
        ),
        "Operations Manager",
        0.14,
        4,
        "IT, facilities, procurement and vendor management.",
    ),
    Department(
        "Finance",
        "finance",
        0.08,
        (
            "Financial Analyst",
            "Senior Accountant",
            "Accounts Payable Specialist",
            "FP&A Analyst",
            "Payroll Specialist",
        ),
        "Finance Manager",
        0.12,
        4,
        "Accounting, planning, payroll and treasury.",
    ),
    Department(
        "HR",
        "hr",
        0.07,
        (
            "HR Business Partner",
            "Recruiter",
            "Talent Acquisition Specialist",
            "Benefits Specialist",
            "People Operations Coordinator",
        ),
        "HR Manager",
        0.15,
        4,
        "People operations, recruiting, benefits and learning.",
    ),
    Department(
        "Legal",
        "legal",
        0.06,
        (
            "Corporate Counsel",
            "Paralegal",
            "Contracts Manager",
            "Compliance Analyst",
            "Privacy Counsel",
        ),
        "Legal Manager",
        0.22,
        5,
        "Contracts, compliance, privacy and corporate matters.",
    ),
)

EXECUTIVE_DEPARTMENT = "Executive Management"
CEO_TITLE = "Chief Executive Officer"
