"""One WebRTC peer in headless Chromium, for the TURN test in network namespaces.

Run as `python turn_peer.py offer|answer` (under `ip netns exec`); talks JSON lines:
reads `{"ice_servers": [...], "offer"?: {...}}`, prints `{"description": {...}}` (its
offer or answer, with the candidates gathered up to its first relayed one), for the offerer reads
`{"answer": {...}}`, then prints `{"result": {...}}` once the data channel has carried a
message each way: the selected candidate pair's types (RTCPeerConnection.getStats).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("FAIR_TEST_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]

START = """
async ([iceServers, offer]) => {
  const pc = new RTCPeerConnection({ iceServers });
  const channel = pc.createDataChannel("turn-test", { negotiated: true, id: 0 });
  window.pc = pc;
  window.heard = new Promise((resolve) => { channel.onmessage = (e) => resolve(e.data); });
  window.opened = new Promise((resolve) => { channel.onopen = () => resolve(); });
  window.channel = channel;
  // Done when gathering completes or a relay candidate is in: a TURN server this
  // network cannot reach would otherwise hold gathering up until it times out.
  const gathered = new Promise((resolve) => {
    pc.onicegatheringstatechange = () => {
      if (pc.iceGatheringState === "complete") resolve();
    };
    pc.onicecandidate = (e) => {
      if (e.candidate && e.candidate.type === "relay") resolve();
    };
  });
  if (offer) {
    await pc.setRemoteDescription(offer);
    await pc.setLocalDescription(await pc.createAnswer());
  } else {
    await pc.setLocalDescription(await pc.createOffer());
  }
  await gathered;
  return pc.localDescription.toJSON();
}
"""

FINISH = """
async ([answer, name]) => {
  const pc = window.pc;
  if (answer) await pc.setRemoteDescription(answer);
  const timeout = (ms) => new Promise((_, reject) =>
    setTimeout(() => reject(new Error("timed out, ICE " + pc.iceConnectionState)), ms));
  await Promise.race([window.opened, timeout(40000)]);
  window.channel.send("hello from " + name);
  const heard = await Promise.race([window.heard, timeout(20000)]);
  const stats = await pc.getStats();
  let pair = null;
  stats.forEach((s) => {
    if (s.type === "transport" && s.selectedCandidatePairId) {
      pair = stats.get(s.selectedCandidatePairId);
    }
  });
  const local = stats.get(pair.localCandidateId);
  const remote = stats.get(pair.remoteCandidateId);
  const gathered = [];
  stats.forEach((s) => { if (s.type === "local-candidate") gathered.push(s.candidateType); });
  return {
    heard,
    state: pc.iceConnectionState,
    local: local.candidateType,
    remote: remote.candidateType,
    local_address: local.address,
    remote_address: remote.address,
    gathered: [...new Set(gathered)].sort(),
  };
}
"""


def say(message: dict[str, Any]) -> None:
    print(json.dumps(message), flush=True)


def main() -> None:
    role = sys.argv[1]
    first = json.loads(sys.stdin.readline())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page()
            description = page.evaluate(START, [first["ice_servers"], first.get("offer")])
            say({"description": description})
            answer = json.loads(sys.stdin.readline())["answer"] if role == "offer" else None
            say({"result": page.evaluate(FINISH, [answer, role])})
        except Exception as exc:  # reported to the test, which fails with it
            say({"error": f"{type(exc).__name__}: {exc}"})
        finally:
            browser.close()


if __name__ == "__main__":
    main()
