"""The quickstart through a Python client generated from the served OpenAPI document.

Generate the client, then run this with the server's URL and a key:

    openapi-python-client generate --url "$CARBONPASS_URL/api/v1/openapi.json" --meta none \
        --output-path client/carbonpass_client
    PYTHONPATH=client python3 docs/examples/quickstart_client.py

It reads the company, uploads a bill, confirms it and reads the emissions; any unexpected answer
stops it with the API's error. CI runs it against a fresh server (.ci/contract).
"""

import datetime
import os
import uuid
from io import BytesIO

from carbonpass_client import AuthenticatedClient
from carbonpass_client.api.bills import confirm_bill, upload_bill
from carbonpass_client.api.company import get_company
from carbonpass_client.api.emissions import get_emissions
from carbonpass_client.models import BillUpload, BillUploadType, ConfirmBillRequest, ConfirmBillRequestUnit, Error
from carbonpass_client.types import File


def expect(response, what):
    """The parsed body of a success, or a stop with the API's own error."""
    if isinstance(response, Error) or response is None:
        raise SystemExit(f"{what} failed: {response}")
    return response


client = AuthenticatedClient(base_url=os.environ["CARBONPASS_URL"], token=os.environ["CARBONPASS_KEY"])

# 1. The company and its sites.
company = expect(get_company.sync(client=client), "reading the company").data
site = company.sites[0]
print(f"{company.name} ({company.plan_name}), site {site.name} [{site.id}]")

# 2. Upload a bill (a small PDF here), safe to retry under its Idempotency-Key.
pdf = b"%PDF-1.4\n% quickstart " + uuid.uuid4().hex.encode() + b"\n%%EOF\n"
upload = BillUpload(
    file=File(payload=BytesIO(pdf), file_name="invoice-mar-2026.pdf", mime_type="application/pdf"),
    type_=BillUploadType.ELECTRICITY,
    site_id=site.id,
)
bill = expect(upload_bill.sync(client=client, body=upload, idempotency_key=str(uuid.uuid4())), "uploading").data
print(f"uploaded {bill.id}: {bill.status}")
assert bill.status.value == "uploaded", bill.status

# 3. Confirm it with what the bill says: 1,200 kWh over the last 30 days.
today = datetime.date.today()
confirmation = ConfirmBillRequest(
    consumption="1200",
    unit=ConfirmBillRequestUnit.KWH,
    period_start=today - datetime.timedelta(days=29),
    period_end=today,
)
confirmed = expect(confirm_bill.sync(client=client, id=bill.id, body=confirmation), "confirming").data
calculation = confirmed.confirmation.calculation
print(f"confirmed {confirmed.id}: {calculation.total_tco_2_e} tCO2e (scope 2 {calculation.scope2})")
assert confirmed.status.value == "confirmed", confirmed.status
assert calculation.scope2 > 0, calculation.scope2

# 4. The emissions now include it.
emissions = expect(get_emissions.sync(client=client), "reading the emissions").data
print(f"{emissions.reporting_period}: {emissions.total_tco_2_e} tCO2e in {len(emissions.sessions)} session(s)")
assert emissions.scope2.total > 0, emissions.scope2
assert any(s.site_id == site.id for s in emissions.sessions), emissions.sessions
