"""The landing path `/` shows the Predict tab (the start of the loop)."""
import dash

dash.register_page(__name__, path="/", order=-1, name="Home", title="EduLoop")


def layout(**query):
    """Same as /predict (looked up in the registry: Dash imports pages under its own names)."""
    predict = next(p for p in dash.page_registry.values() if p["path"] == "/predict")
    return predict["layout"](**query)
