"""gunicorn settings for `make run`, `make serve` and the Procfile: every worker warms up before serving.

Bind address, worker and thread counts stay on the command line (they differ between make and the Procfile).
"""
import logging

timeout = 120
control_socket_disable = True   # gunicorn 27 would otherwise open a control socket under ~/.gunicorn/


def post_worker_init(worker):
    """Finish Dash's lazy first-request setup in this worker before it accepts connections, then warm the page
    caches in the background."""
    from dashboard.app import app
    from dashboard.common.warmup import warm_pages_in_background, warm_up

    failed = {url: status for url, status in warm_up(app).items() if status != 200}
    if failed:   # a broken install or asset: say so in the log, the worker still serves the rest
        logging.getLogger("gunicorn.error").warning("warm-up: non-200 answers %s", failed)
    worker.log.info("worker %s warmed up", worker.pid)
    warm_pages_in_background(app)   # each tab's first view into this worker's caches, while it serves
