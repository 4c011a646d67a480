"""An HTTPS Microsoft Graph + Entra ID emulator serving the synthetic tenant (tests and demos).

The real MSAL client-credentials flow works against it (authority ``{base_url}/{tenant}``),
with a client secret or a certificate (``EmulatorConfig.certificates``), and Graph under ``{base_url}/v1.0`` serves every catalog dataset with a Graph equivalent from
the synthetic generators, with `$select`, `$filter`, paging, delta, `$batch`, Outlook
throttling and injected faults. It records every request. Not for production code paths.

>>> import json, ssl, urllib.request
>>> from mgdc_pipelines.sources.synthetic import TenantConfig
>>> with GraphEmulator(EmulatorConfig(tenant=TenantConfig(seed=42, users=40))) as emu:
...     tls = ssl.create_default_context(cafile=str(emu.ca_pem_path))
...     form = (f"grant_type=client_credentials&client_id={DEMO_CLIENT_ID}&client_secret={DEMO_CLIENT_SECRET}"
...             "&scope=https://graph.microsoft.com/.default").encode()
...     token = json.load(urllib.request.urlopen(f"{emu.base_url}/organizations/oauth2/v2.0/token",
...                                              data=form, context=tls))["access_token"]
...     ask = urllib.request.Request(f"{emu.graph_url}/users?$select=id&$top=5",
...                                  headers={"Authorization": f"Bearer {token}"})
...     page = json.load(urllib.request.urlopen(ask, context=tls))
...     [r.path for r in emu.requests]
['/organizations/oauth2/v2.0/token', '/users']
>>> len(page["value"]), page["@odata.nextLink"].startswith("https://127.0.0.1:")
(5, True)
"""

from mgdc_pipelines.emulator.app import GraphEmulator
from mgdc_pipelines.emulator.certificates import ClientCertificate, self_signed_client_certificate
from mgdc_pipelines.emulator.config import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    EmulatorConfig,
    FaultConfig,
)
from mgdc_pipelines.emulator.recording import RecordedRequest

__all__ = [
    "ClientCertificate",
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "EmulatorConfig",
    "FaultConfig",
    "GraphEmulator",
    "RecordedRequest",
    "self_signed_client_certificate",
]
