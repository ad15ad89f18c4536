"""A local Condo for the demo and the tests: the contract's behaviour, no Node.

A standalone GraphQL server on loopback (graphql-core against integration/condo/schema.graphql),
state in its own SQLite file or in memory, and injectable faults. See server.SandboxServer and
faults.FaultConfig; `python manage.py condo_sandbox` runs one for the demo.
"""

from integration.sandbox.faults import REJECTIONS, FaultConfig, Rejection
from integration.sandbox.server import CallSeen, SandboxServer

__all__ = ["REJECTIONS", "CallSeen", "FaultConfig", "Rejection", "SandboxServer"]
