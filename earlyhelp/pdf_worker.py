"""A renderer process for the PDF pipeline. Reads framed requests on stdin, writes framed PDFs on stdout.

Runs as `python -m earlyhelp.pdf_worker`, started and stopped by earlyhelp.pdf: a process, unlike a
thread, can be stopped when a render runs too long. Frames are a 4-byte big-endian length then the body;
a reply starts with b"K" (the PDF follows) or b"E" (an error message follows).
"""

import json
import struct
import sys


def main() -> None:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but frames may reach the real stdout
    from earlyhelp.pdf import html_to_pdf

    while True:
        header = stdin.read(4)
        if len(header) < 4:
            return
        request = json.loads(stdin.read(struct.unpack(">I", header)[0]))
        try:
            status, body = b"K", html_to_pdf(request["html"], request["static_folder"])
        except Exception as error:  # reported to the app, which raises it there
            status, body = b"E", repr(error).encode()
        stdout.write(status + struct.pack(">I", len(body)) + body)
        stdout.flush()


if __name__ == "__main__":
    main()
