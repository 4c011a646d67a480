"""An HTTPS ARM + Azure Data Factory emulator that runs MGDC copy pipelines on the synthetic tenant.

The real MSAL client-credentials flow works against it (authority ``{authority_host}/{tenant}``,
scope ``https://management.azure.com/.default``, the Graph emulator's clients and
certificates), and ARM under ``{management_url}`` serves the Data Factory calls of the MGDC
feature (linked services, datasets, pipelines, createRun, pipeline and activity runs, cancel)
on one configured factory. A run goes Queued → InProgress → Succeeded/Failed/Cancelled; a
succeeding run writes MGDC JSON lines of the synthetic tenant to the staging account (Azurite),
and MGDC's rules (approval, approved columns, at most 10 groups, region, storage role) fail
runs as MGDC would. Not for production code paths.

>>> import json, ssl, urllib.request
>>> from mgdc_pipelines.emulator import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
>>> config = FactoryEmulatorConfig(storage_connection_string="UseDevelopmentStorage=true")
>>> with FactoryEmulator(config) as emu:
...     tls = ssl.create_default_context(cafile=str(emu.ca_pem_path))
...     form = (f"grant_type=client_credentials&client_id={DEMO_CLIENT_ID}&client_secret={DEMO_CLIENT_SECRET}"
...             "&scope=https://management.azure.com/.default").encode()
...     token = json.load(urllib.request.urlopen(f"{emu.authority_host}/organizations/oauth2/v2.0/token",
...                                              data=form, context=tls))["access_token"]
...     body = json.dumps({"properties": {"type": "AzureBlobStorage", "typeProperties": {
...         "serviceEndpoint": "http://127.0.0.1:10000/devstoreaccount1",
...         "servicePrincipalKey": {"type": "SecureString", "value": "s3cret"}}}}).encode()
...     put = urllib.request.Request(f"{emu.management_url}{emu.factory_path}/linkedservices/staging"
...                                  "?api-version=2018-06-01", data=body, method="PUT",
...                                  headers={"Authorization": f"Bearer {token}"})
...     saved = json.load(urllib.request.urlopen(put, context=tls))
...     [(r.method, r.status) for r in emu.requests], list(emu.objects("linkedservices"))
([('POST', 200), ('PUT', 200)], ['staging'])
>>> saved["properties"]["typeProperties"]["servicePrincipalKey"]["value"]
'**********'
"""

from mgdc_pipelines.emulator.factory.app import MANAGEMENT_SCOPE, FactoryEmulator
from mgdc_pipelines.emulator.factory.config import FactoryEmulatorConfig, MgdcApproval
from mgdc_pipelines.emulator.factory.runs import RunRecord

__all__ = ["FactoryEmulator", "FactoryEmulatorConfig", "MANAGEMENT_SCOPE", "MgdcApproval", "RunRecord"]
