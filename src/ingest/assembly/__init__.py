"""One build: discover -> extract -> assemble -> publish, Prefect-free (flows/ wraps these steps)."""
