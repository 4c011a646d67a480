"""The company's departments: size, job titles and how much each talks to the outside world.

Each department gets one Microsoft 365 group (Teams-enabled) whose mail nickname is the
department's ``nickname`` (``sales``, ``engineering``, ...), so its group id is predictable.
"""

from __future__ import annotations

from dataclasses import dataclass

from mgdc_pipelines.sources.synthetic.wordlists import listed


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
        name="Engineering",
        nickname="engineering",
        weight=0.3,
        ic_titles=listed("""
            Software Engineer, Senior Software Engineer, Software Engineer II,
            Principal Software Engineer, Site Reliability Engineer, Data Engineer,
            QA Engineer, Security Engineer
            """),
        manager_title="Engineering Manager",
        external_mail_share=0.06,
        external_contacts=2,
        description="Builds and runs the product platform.",
    ),
    Department(
        name="Sales",
        nickname="sales",
        weight=0.17,
        ic_titles=listed("""
            Account Executive, Senior Account Executive, Sales Development
            Representative, Solutions Consultant, Account Manager
            """),
        manager_title="Sales Manager",
        external_mail_share=0.38,
        external_contacts=10,
        description="New business, renewals and key accounts.",
    ),
    Department(
        name="Support",
        nickname="support",
        weight=0.12,
        ic_titles=listed("""
            Support Engineer, Customer Success Manager, Technical Support
            Specialist, Escalation Engineer, Support Operations Analyst
            """),
        manager_title="Support Manager",
        external_mail_share=0.3,
        external_contacts=8,
        description="Customer support and customer success.",
    ),
    Department(
        name="Marketing",
        nickname="marketing",
        weight=0.1,
        ic_titles=listed("""
            Marketing Specialist, Content Strategist, Product Marketing Manager,
            Digital Marketing Analyst, Brand Designer
            """),
        manager_title="Marketing Manager",
        external_mail_share=0.18,
        external_contacts=5,
        description="Brand, campaigns, events and product marketing.",
    ),
    Department(
        name="Operations",
        nickname="operations",
        weight=0.1,
        ic_titles=listed("""
            Operations Analyst, IT Administrator, Procurement Specialist, Facilities
            Coordinator, Supply Chain Analyst
            """),
        manager_title="Operations Manager",
        external_mail_share=0.14,
        external_contacts=4,
        description="IT, facilities, procurement and vendor management.",
    ),
    Department(
        name="Finance",
        nickname="finance",
        weight=0.08,
        ic_titles=listed("""
            Financial Analyst, Senior Accountant, Accounts Payable Specialist, FP&A
            Analyst, Payroll Specialist
            """),
        manager_title="Finance Manager",
        external_mail_share=0.12,
        external_contacts=4,
        description="Accounting, planning, payroll and treasury.",
    ),
    Department(
        name="HR",
        nickname="hr",
        weight=0.07,
        ic_titles=listed("""
            HR Business Partner, Recruiter, Talent Acquisition Specialist, Benefits
            Specialist, People Operations Coordinator
            """),
        manager_title="HR Manager",
        external_mail_share=0.15,
        external_contacts=4,
        description="People operations, recruiting, benefits and learning.",
    ),
    Department(
        name="Legal",
        nickname="legal",
        weight=0.06,
        ic_titles=listed("""
            Corporate Counsel, Paralegal, Contracts Manager, Compliance Analyst,
            Privacy Counsel
            """),
        manager_title="Legal Manager",
        external_mail_share=0.22,
        external_contacts=5,
        description="Contracts, compliance, privacy and corporate matters.",
    ),
)

EXECUTIVE_DEPARTMENT = "Executive Management"
CEO_TITLE = "Chief Executive Officer"
