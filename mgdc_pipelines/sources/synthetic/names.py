"""Names of people and outside companies, and the bits of profile text people fill in.

Everything here is fictitious. Outside companies use the usual Microsoft sample-company names
on ``.example.net`` domains (reserved, never routable), so no real organization is named.
"""

from __future__ import annotations

from dataclasses import dataclass

from mgdc_pipelines.sources.synthetic.wordlists import listed

GIVEN_NAMES: tuple[str, ...] = listed("""
    Adele, Alex, Allan, Amara, Ananya, Arjun, Ben, Bianca, Brian, Carlos, Chloe, Christie,
    Daniel, Deepa, Diego, Elena, Emily, Ethan, Fatima, Felix, Grace, Grady, Hannah,
    Henrietta, Hiro, Ian, Isaiah, Isla, Jack, James, Jasmine, Javier, Joni, Julia, Kabir,
    Karen, Kenji, Lara, Lee, Lidia, Liam, Lynne, Maya, Megan, Meera, Miriam, Mohammed,
    Nadia, Nestor, Nikhil, Noah, Olivia, Omar, Patti, Pradeep, Priya, Rahul, Raj, Rebecca,
    Rohan, Ruth, Samuel, Sanjay, Sara, Sean, Sofia, Sophie, Sunita, Tariq, Thomas, Tom,
    Valentina, Vikram, Wei, William, Xin, Yara, Yusuf, Zara, Zoe, Aiden, Beatriz, Callum,
    Divya, Emma, Finn, Gabriel, Harper, Irene, Jonah, Keira, Lucas, Mateo, Nora, Oscar,
    Pooja, Quinn, Rosa, Stefan
    """)

SURNAMES: tuple[str, ...] = listed("""
    Vance, Wilber, Deyoung, Okafor, Iyer, Mehta, Walker, Rossi, Johnson, Garcia, Martin,
    Cline, Kim, Reddy, Siciliani, Petrova, Clarke, Nguyen, Haddad, Baker, Hughes, Archie,
    Brown, Gonzalez, Tanaka, Irvin, Langer, Fraser, Cooper, Edwards, Patel, Romero, Sherman,
    Smith, Kapoor, Bishop, Murphy, Sokolova, Park, Chen, Lee, Wilson, Graham, Ali, Wilke,
    Sharma, Castillo, Fernandez, Das, Shah, Hall, Anderson, Tran, Moreno, Singh, Rao,
    Thompson, Fischer, Bauer, Costa, Dubois, Evans, Foster, Gupta, Hernandez, Ivanova,
    Jensen, Khan, Lopez, Menon, Nair, O'Brien, Price, Quintero, Ramirez, Sato, Turner,
    Usman, Varga, Watson, Xu, Yamamoto, Zhang, Abbott, Bell, Campbell, Doyle, Ellis, Flores,
    Gill, Hayes, Joshi, Kelly, Lam, Mitchell, Novak, Ortiz, Pillai, Reyes, Stewart
    """)


@dataclass(frozen=True)
class OutsideCompany:
    """A customer, vendor or partner people exchange mail and meetings with."""

    name: str
    domain: str
    city: str
    country: str
    kind: str  # customer | vendor | partner | law firm | bank
    yomi: str | None = None  # phonetic (Japanese) reading, for yomi* contact fields


def _company(
    name: str, domain: str, city: str, country: str, kind: str, yomi: str | None = None
) -> OutsideCompany:
    return OutsideCompany(name, f"{domain}.example.net", city, country, kind, yomi)


OUTSIDE_COMPANIES: tuple[OutsideCompany, ...] = (
    _company("Fabrikam, Inc.", "fabrikam", "Chicago", "United States", "customer"),
    _company("Northwind Traders", "northwindtraders", "Seattle", "United States", "customer"),
    _company("Adventure Works Cycles", "adventure-works", "Bothell", "United States", "customer"),
    _company("Tailspin Toys", "tailspintoys", "Manchester", "United Kingdom", "customer"),
    _company("Wingtip Toys", "wingtiptoys", "Melbourne", "Australia", "customer"),
    _company("Litware, Inc.", "litwareinc", "Austin", "United States", "vendor"),
    _company("Woodgrove Bank", "woodgrovebank", "New York", "United States", "bank"),
    _company("Proseware, Inc.", "proseware", "Dublin", "Ireland", "vendor"),
    _company("Fourth Coffee", "fourthcoffee", "Vancouver", "Canada", "vendor"),
    _company("Lamna Healthcare", "lamnahealthcare", "Mumbai", "India", "customer"),
    _company("Alpine Ski House", "alpineskihouse", "Zurich", "Switzerland", "customer"),
    _company("Margie's Travel", "margiestravel", "London", "United Kingdom", "vendor"),
    _company("Baker & Hughes LLP", "bakerhugheslaw", "New York", "United States", "law firm"),
    _company("Trey Research", "treyresearch", "Tokyo", "Japan", "partner", "トレイ リサーチ"),
    _company("Relecloud", "relecloud", "Singapore", "Singapore", "partner"),
)

# Japanese contacts (at Trey Research) carry phonetic readings, as Outlook's yomi fields do.
JAPANESE_NAMES: tuple[tuple[str, str, str, str], ...] = (
    ("Haruto", "Sato", "ハルト", "サトウ"),
    ("Yui", "Suzuki", "ユイ", "スズキ"),
    ("Ren", "Takahashi", "レン", "タカハシ"),
    ("Aoi", "Tanaka", "アオイ", "タナカ"),
    ("Sota", "Watanabe", "ソウタ", "ワタナベ"),
    ("Hina", "Ito", "ヒナ", "イトウ"),
)

OUTSIDE_TITLES: tuple[str, ...] = listed("""
    Procurement Manager, IT Director, Account Manager, CFO, Head of Operations, Partner,
    Senior Associate, Project Lead, Purchasing Specialist, CTO, Relationship Manager,
    Engineering Lead
    """)

INTERESTS: tuple[str, ...] = listed("""
    Cycling, Photography, Hiking, Cooking, Chess, Running, Gardening, Jazz, Board games,
    Sailing, Yoga, Birdwatching, Rock climbing, Woodworking, Travel, Reading, Cricket,
    Football, Drones, Painting
    """)

SCHOOLS: tuple[str, ...] = listed("""
    University of Washington, New York University, University of Manchester, Indian
    Institute of Science, University of Sydney, Stanford University, London School of
    Economics, IIT Bombay, University of Melbourne, Columbia Business School, Imperial
    College London, University of Texas at Austin
    """)

SKILLS_BY_DEPARTMENT: dict[str, tuple[str, ...]] = {
    "engineering": listed("""
        Python, Distributed systems, Kubernetes, Azure, C#, SQL, Incident response, API design,
        Observability
        """),
    "sales": listed("""
        Negotiation, Salesforce, Forecasting, Enterprise sales, Territory planning, Solution selling
        """),
    "support": listed("""
        Troubleshooting, Customer empathy, Zendesk, Root-cause analysis, Knowledge management
        """),
    "marketing": listed("""
        Brand strategy, SEO, Copywriting, Event planning, Market research, Campaign analytics
        """),
    "operations": listed("""
        Vendor management, ITIL, Procurement, Intune, Facilities planning, Logistics
        """),
    "finance": listed("Financial modeling, Excel, IFRS, Budgeting, Payroll, Power BI"),
    "hr": listed("""
        Recruiting, Employee relations, Workday, Compensation, Onboarding, Learning design
        """),
    "legal": listed("""
        Contract law, GDPR, Negotiation, Compliance, Intellectual property, Litigation support
        """),
    "executive": listed("""
        Strategic planning, Public speaking, Leadership, Change management, Board relations
        """),
}
