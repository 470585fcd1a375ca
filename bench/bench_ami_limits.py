"""What a peer that never ends a line costs the AMI codec: time and memory, by size fed.

A hostile or broken peer may send a banner line (``Asterisk Call Manager/...``)
or a message block that never ends. The codec holds each to a stated limit
(``MAX_BANNER_BYTES``, ``max_message_bytes``), reports it once as Malformed and
drops the rest as it arrives, so the time should grow with what is fed (linear)
and the buffer should stay small. This feeds 10, 20 and 40 MB of each in 64 KiB
reads, as the connection reads them, and prints the seconds (CPU time of this
process), the largest buffer seen and what came out.

Run: ``.venv/bin/python bench/bench_ami_limits.py`` (``--sizes 10 20 40``).
"""

from __future__ import annotations

import argparse
import time

from ivr.ami.codec import BANNER_PREFIX, AmiCodec, Malformed

CHUNK = 64 * 1024
HEADS = {
    "banner line with no end": BANNER_PREFIX,
    "message with no blank line": b"Event: Newchannel\r\nCallerIDName: ",
}


def feed_endless(head: bytes, size: int) -> tuple[float, int, int, int]:
    """Seconds, largest buffer, items out and Malformed count after ``size`` bytes."""
    codec = AmiCodec()
    filler = b"x" * CHUNK
    peak = items = 0
    fed = 0
    start = time.process_time()
    codec.receive_data(head)
    fed = len(head)
    while fed < size:
        codec.receive_data(filler)
        fed += CHUNK
        peak = max(peak, codec.buffered)
        for item in codec.events():
            items += 1
            assert isinstance(item, Malformed)
    return time.process_time() - start, peak, items, codec.malformed_count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 20, 40], help="MB to feed")
    args = parser.parse_args()
    print(f"bench_ami_limits: {CHUNK // 1024} KiB reads")
    for label, head in HEADS.items():
        for mb in args.sizes:
            seconds, peak, items, malformed = feed_endless(head, mb * 1_000_000)
            print(
                f"  {label:>27}, {mb:3d} MB: {seconds:6.3f} s CPU, "
                f"largest buffer {peak / 1024:8.1f} KiB, {items} item(s), {malformed} malformed"
            )


if __name__ == "__main__":
    main()
