"""Markdown written by people is rendered, then sanitised: no script, no event handler, no
javascript: URL, links with rel=noopener, images only from https or the site itself."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from vigie.core.markdown import plain_excerpt, render_markdown

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)></svg>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<a href="javascript&#58;alert(1)">x</a>',
    "[x](jav&#x09;ascript:alert(1))",
    '<iframe src="https://evil.test"></iframe>',
    '<div style="background:url(javascript:alert(1))" onclick="alert(1)">x</div>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<form action="https://evil.test"><input name="password"></form>',
    '<object data="x.swf"></object><embed src="x.swf">',
    "![x](javascript:alert(1))",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<<script>script>alert(1)<</script>/script>",
    '<p title="</p><script>alert(1)</script>">x</p>',
    "<style>body{display:none}</style>",
    '<base href="https://evil.test/">',
    '<meta http-equiv="refresh" content="0;url=https://evil.test">',
    '<a href="vbscript:msgbox(1)">x</a>',
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_payloads_lose_every_active_part(payload):
    html = str(render_markdown(payload)).lower()
    for danger in (
        "<script",
        "javascript:",
        "onerror",
        "onload",
        "onclick",
        "<iframe",
        "<svg",
        "<style",
        "<form",
        "<input",
        "<object",
        "<embed",
        "data:text",
        "vbscript:",
        "<base",
        "<meta",
        "style=",
    ):
        assert danger not in html, (payload, html)


def test_markdown_features_survive():
    text = (
        "# Titre\n\nDu **gras**, de l'*italique* et `du code`.\n\n"
        "| Poste | IP |\n|---|---|\n| PC-01 | 10.0.0.1 |\n\n"
        "```powershell\nGet-NetAdapter | Restart-NetAdapter\n```\n\n"
        "1. un\n2. deux\n\n> Citation\n\n[Microsoft](https://portal.office.com)"
    )
    html = str(render_markdown(text))
    assert "<h1>Titre</h1>" in html and "<strong>gras</strong>" in html and "<em>italique</em>" in html
    assert "<table>" in html and "<td>PC-01</td>" in html
    assert '<code class="language-powershell">Get-NetAdapter | Restart-NetAdapter' in html
    assert "<ol>" in html and "<blockquote>" in html
    assert '<a href="https://portal.office.com" rel="noopener noreferrer">Microsoft</a>' in html


def test_links_always_get_noopener_even_when_the_author_sets_rel():
    html = str(render_markdown('<a href="https://x.test" rel="opener" target="_blank">x</a>'))
    assert 'rel="noopener noreferrer"' in html and "target" not in html and '"opener"' not in html


@pytest.mark.parametrize(
    ("source", "kept"),
    [
        ("![a](https://cdn.example.test/a.png)", True),
        ("![a](/media/knowledge/a.png)", True),
        ("![a](images/a.png)", True),
        ("![a](http://tracker.test/pixel.png)", False),
        ("![a](//tracker.test/pixel.png)", False),
        ("![a](data:image/png;base64,iVBORw0KGgo=)", False),
        ('<img src="ftp://x.test/a.png">', False),
    ],
)
def test_images_only_from_https_or_the_site(source, kept):
    html = str(render_markdown(source))
    assert ("src=" in html) is kept, html


def test_raw_html_outside_the_allow_list_is_dropped_but_text_stays():
    html = str(render_markdown("Appuyez sur <kbd>Ctrl</kbd> puis <marquee>vite</marquee>"))
    assert "<kbd>Ctrl</kbd>" in html and "<marquee" not in html and "vite" in html


def test_code_blocks_are_escaped():
    html = str(render_markdown("```\n<script>alert(1)</script>\n```"))
    assert "&lt;script&gt;" in html and "<script" not in html


def test_code_class_only_names_a_language():
    html = str(render_markdown('<code class="language-bash evil-class">x</code>'))
    assert 'class="language-bash"' in html and "evil" not in html


def test_template_filter_and_excerpt():
    rendered = Template("{% load markdown_tags %}{{ text|markdown }}|{{ text|markdown_excerpt:20 }}").render(
        Context({"text": "**Redémarrer** le <script>x()</script> routeur Wi-Fi du bureau"})
    )
    html, excerpt = rendered.split("|")
    assert "<strong>Redémarrer</strong>" in html and "<script" not in html
    assert len(excerpt) <= 20 and excerpt.startswith("Redémarrer")
    assert plain_excerpt("") == "" and str(render_markdown("")) == "" and str(render_markdown(None)) == ""
