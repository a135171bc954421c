"""What `gateway init` writes and the demo runs on: the example config, the sample ΚΑΔ list,
the systemd unit, the Prometheus alert rules, the Grafana dashboard (`deploy/` in the
checkout links here) and the request types' data schemas.

Package data, so an installed wheel has them wherever it is installed.
"""

from __future__ import annotations

from pathlib import Path

STARTER = Path(__file__).resolve().parent
EXAMPLE_CONFIG = STARTER / "gateway.example.toml"
SAMPLE_KAD = STARTER / "taxis-affected-kad.sample.toml"
SYSTEMD_UNIT = STARTER / "municipal-gateway.service"
PROMETHEUS_ALERTS = STARTER / "prometheus" / "alerts.yml"
GRAFANA_DASHBOARD = STARTER / "grafana" / "municipal-gateway.json"
#: the extra fields of an ASEP application, the catalogue's example of a type's data_schema
ASEP_FIELDS = STARTER / "request-types" / "asep_hiring_application.schema.json"
#: what init copies as it is: the file it writes is named after its source
COPIED = {
    "taxis-affected-kad.sample.toml": SAMPLE_KAD,
    "municipal-gateway.service": SYSTEMD_UNIT,
    "prometheus-alerts.yml": PROMETHEUS_ALERTS,
    "grafana-dashboard.json": GRAFANA_DASHBOARD,
    "request-types/asep_hiring_application.schema.json": ASEP_FIELDS,
}
