"""The driver diagram drawn as SVG: parsed back, every node and link is there, text is escaped
and wrapped, change ideas are coloured by outcome."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

from services.improvement.drawing import OUTCOME_FILL, draw
from services.improvement.rules.diagram import DriverNode, IdeaNode, count_change_ideas, document

NS = "{http://www.w3.org/2000/svg}"


def test_a_diagram_is_drawn_with_every_node_and_link() -> None:
    safety, staffing, rota = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    meaning = uuid.uuid4()
    doc = document(
        "Joy in work <for all> & more",
        [
            DriverNode(
                safety,
                None,
                "Physical and psychological safety",
                None,
                "physical_psychological_safety",
                safety,
                1,
            ),
            DriverNode(meaning, None, "Meaning and purpose", None, "meaning_purpose", meaning, 2),
            DriverNode(staffing, safety, "Safe staffing", None, None, staffing, 3),
        ],
        [
            IdeaNode(rota, staffing, "Rota published six weeks ahead " * 4, None, rota, "adopted"),
            IdeaNode(uuid.uuid4(), safety, "Safety huddle", None, uuid.uuid4(), "testing"),
        ],
    )
    assert count_change_ideas(doc) == 2
    root = ET.fromstring(draw(doc, title="Driver diagram: Ward 7"))
    assert root.tag == f"{NS}svg" and root.get("role") == "img"
    assert root.find(f"{NS}title").text == "Driver diagram: Ward 7"
    nodes = {n.get("data-id"): n for n in root.iter(f"{NS}g") if n.get("data-id")}
    assert set(nodes) == {
        "aim",
        str(safety),
        str(meaning),
        str(staffing),
        str(rota),
        *(i["id"] for i in doc["primary_drivers"][0]["change_ideas"]),
    }
    assert nodes["aim"].find(f"{NS}title").text == "Joy in work <for all> & more"
    long_idea = nodes[str(rota)]
    assert long_idea.find(f"{NS}rect").get("fill") == OUTCOME_FILL["adopted"]
    lines = [t.text for t in long_idea.iter(f"{NS}tspan")]
    assert len(lines) == 3 and lines[-1].endswith("…")  # wrapped, cut, whole in the tooltip
    links = root.findall(f"{NS}g[@class='links']/{NS}path")
    assert len(links) == 5  # aim→2 primaries, safety→staffing, staffing→rota, safety→huddle
    # Boxes never overlap: each change idea has its own row.
    tops = sorted(
        float(n.find(f"{NS}rect").get("y"))
        for n in nodes.values()
        if "change-idea" in n.get("class")
    )
    assert tops[1] - tops[0] >= 54


def test_an_empty_package_is_still_a_picture() -> None:
    root = ET.fromstring(draw(document("An aim", [], []), title="Change package"))
    assert [n.get("class") for n in root.iter(f"{NS}g") if n.get("data-id")] == ["node aim"]
