#!/usr/bin/env python3
"""Reads a JUnit XML file with junitparser (an independent reader) and prints what it understood
as JSON: per suite its counts, per test case its classname, name, time, result kind and message,
properties and system-out. The end-to-end tests assert on this.

usage: read_junit.py FILE
"""
import json
import sys

from junitparser import Error, Failure, JUnitXml, Skipped


def main(path):
    xml = JUnitXml.fromfile(path)
    suites = []
    for suite in xml:
        cases = []
        for case in suite:
            kinds = [type(r).__name__.lower() for r in case.result if isinstance(r, (Failure, Error, Skipped))]
            messages = [r.message for r in case.result]
            props = {}
            for child in case._elem.iter("property"):
                props[child.get("name")] = child.get("value")
            cases.append({"classname": case.classname, "name": case.name, "time": case.time, "result": kinds,
                          "messages": messages, "properties": props, "system_out": case.system_out,
                          "file": case._elem.get("file"), "line": case._elem.get("line")})
        suites.append({"name": suite.name, "tests": suite.tests, "failures": suite.failures, "errors": suite.errors,
                       "skipped": suite.skipped, "cases": cases})
    json.dump({"suites": suites}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
