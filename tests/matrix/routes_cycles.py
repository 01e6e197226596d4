"""Matrix entries for the coordinator's cycle pages (see table.py for how to read them).

The list and "open a cycle" are coordinators' pages: 403 for everyone else, as on the other
coordinator pages. A cycle's own pages need change_network on its network: nobody but its
coordinators can see the network, so for everyone else, and for a coordinator of another
network, the cycle does not exist (404). POSTs send an empty form: the coordinator gets the
form back with its errors (200), and nothing is written.
"""

from tests.matrix.table import Route, expect, pk

COORDINATORS = expect(403, coordinator=200)
ITS_COORDINATORS = {"own": expect(404, coordinator=200), "other": expect(404)}

CYCLE_ROUTES: list[Route] = [
    Route("reviews:cycle_list", own=COORDINATORS),
    Route("reviews:cycle_create", own=COORDINATORS),
    Route("reviews:cycle_create", method="POST", own=COORDINATORS),
    Route("reviews:cycle_board", kind="cycle", kwargs=pk, **ITS_COORDINATORS),
    Route("reviews:cycle_edit", kind="cycle", kwargs=pk, **ITS_COORDINATORS),
    Route("reviews:cycle_edit", method="POST", kind="cycle", kwargs=pk, **ITS_COORDINATORS),
    Route("reviews:cycle_enrol", kind="cycle", kwargs=pk, **ITS_COORDINATORS),
    Route("reviews:cycle_enrol", method="POST", kind="cycle", kwargs=pk, **ITS_COORDINATORS),
]
