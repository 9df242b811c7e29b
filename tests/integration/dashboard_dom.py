#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Read the dashboard's numbers out of a DOM dump (chromium --dump-dom):
every element with data-k="KEY" data-v="VALUE", printed as one JSON object
{KEY: VALUE}; plus "_updates" (how many refreshes the page drew)."""
import html.parser
import json
import sys


class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.d = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-k" in a:
            self.d[a["data-k"]] = a.get("data-v", "")
        if tag == "body" and "data-updates" in a:
            self.d["_updates"] = a["data-updates"]


p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
print(json.dumps(p.d))
