"""RFC 3676 format=flowed: join soft-wrapped lines back into paragraphs."""

from __future__ import annotations


def _emit(depth: int, text: str) -> str:
    return ">" * depth + (" " + text if depth and text else text)


def unflow(text: str, delsp: bool = False) -> str:
    """Undo format=flowed wrapping; quote depth is kept, space-stuffing removed."""
    output: list[str] = []
    buffer, buffer_depth = "", -1
    for raw_line in text.split("\n"):
        depth = len(raw_line) - len(raw_line.lstrip(">"))
        line = raw_line[depth:]
        if line.startswith(" "):
            line = line[1:]  # space-stuffing (RFC 3676 4.4)
        # A trailing space marks a soft break, except in the signature separator "-- ".
        flowed = line.endswith(" ") and line != "-- "
        if buffer_depth not in (-1, depth):
            output.append(_emit(buffer_depth, buffer))  # quote depth changed: paragraph ends
            buffer = ""
        buffer += line[:-1] if flowed and delsp else line
        buffer_depth = depth
        if not flowed:
            output.append(_emit(depth, buffer))
            buffer, buffer_depth = "", -1
    if buffer_depth != -1:
        output.append(_emit(buffer_depth, buffer))
    return "\n".join(output)
