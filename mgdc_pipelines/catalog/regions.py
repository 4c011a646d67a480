"""Where MGDC copies from: the Azure regions that serve each Microsoft 365 (Office) region.

"Data Connect doesn't extract data across regions": the factory's integration runtime and the
destination storage must be in an Azure region of the tenant's Office region (reference §4,
"Region rules"; MGD ``data-connect-datasets.md``).

>>> "West Europe" in AZURE_REGIONS_BY_OFFICE_REGION["Europe"]
True
"""

from __future__ import annotations

from collections.abc import Mapping

AZURE_REGIONS_BY_OFFICE_REGION: Mapping[str, tuple[str, ...]] = {
    "Asia-Pacific": ("East Asia", "Southeast Asia"),
    "Australia": ("Australia East", "Australia Southeast"),
    "Europe": ("North Europe", "West Europe"),
    "North America": ("Central US", "East US", "East US 2", "North Central US", "South Central US",
                      "West Central US", "West US", "West US 2"),
    "Brazil": ("Brazil South",),
    "United Kingdom": ("UK South", "UK West"),
    "Canada": ("Canada Central", "Canada East"),
    "Japan": ("Japan West", "Japan East"),
    "India": ("South India", "Central India"),
    "Korea": ("Korea Central", "Korea South"),
    "Switzerland": ("Switzerland North",),
    "Germany": ("Germany West Central",),
    "Norway": ("Norway East",),
    "France": ("France Central",),
    "UAE": ("UAE North",),
}
