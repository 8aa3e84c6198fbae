"""Helpers the browser tests share: axe-core's findings, and where the focus is."""

from axe_playwright_python.sync_playwright import Axe

axe = Axe()


def violations(page) -> list[str]:
    results = axe.run(page)
    return [
        f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})"
        for v in results.response["violations"]
    ]


def focused(page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {id: el.id, tag: el.tagName, text: el.innerText || "",
                    outline: style.outlineStyle, shadow: style.boxShadow};
        }"""
    )
