"""The manager actions the fake Asterisk answers, as Asterisk 22 answers them.

``Login`` is answered ``Authentication accepted`` then ``FullyBooted`` (or
``Authentication failed`` and a closed socket); every other action needs a
login first; responses carry the action's ``ActionID``; ``CoreShowChannels``
and ``Status`` are event lists ended by ``...Complete``. A test can make the
next action of a kind fail (:meth:`FakePbx.fail_next`) or go unanswered
(:meth:`FakePbx.ignore_next`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ivr.ami.codec import Message
from ivr.ami.fake.callbacks import originate
from ivr.ami.fake.channels import channel_headers
from ivr.ami.fake.link import ManagerLink

if TYPE_CHECKING:
    from ivr.ami.fake.pbx import FakePbx

Reply = Callable[..., None]
Handler = Callable[["FakePbx", ManagerLink, Message, Reply], None]


def answer(pbx: FakePbx, link: ManagerLink, msg: Message) -> None:
    """Log the action, then answer it (or not, if the test said so)."""
    name = (msg.get("Action") or "").lower()
    aid = msg.get("ActionID") or ""
    if pbx.keep_actions:
        masked = [(k, "******" if k.lower() == "secret" else v) for k, v in msg.headers]
        pbx.actions.append(Message(masked))
    if pbx.on_action is not None:
        pbx.on_action(msg)

    def reply(response: str = "Success", **extra: str) -> None:
        link.send([("Response", response), ("ActionID", aid), *extra.items()])

    if not name:
        reply("Error", Message="Missing action in request")
    elif name == "login":
        _login(pbx, link, msg, reply)
    elif not link.logged_in:
        reply("Error", Message="Permission denied")
    elif name in pbx.ignore_next_of:
        pbx.ignore_next_of.discard(name)
    elif name in pbx.fail_next_with:
        reply("Error", Message=pbx.fail_next_with.pop(name))
    elif (handler := HANDLERS.get(name)) is not None:
        handler(pbx, link, msg, reply)
    else:
        reply(
            "Error",
            Message=f"Invalid/unknown command: {msg.get('Action')}. "
            "Use Action: ListCommands to show available commands.",
        )


def _login(pbx: FakePbx, link: ManagerLink, msg: Message, reply: Reply) -> None:
    if link.logged_in:
        reply(Message="Already authenticated")
    elif msg.get("Username") == pbx.username and msg.get("Secret") == pbx.secret:
        link.logged_in = True
        link.events = (msg.get("Events") or "on").lower() != "off"
        pbx.logins += 1
        reply(Message="Authentication accepted")
        if link.events:
            uptime = str(pbx.uptime_s)
            link.send(
                [
                    ("Event", "FullyBooted"),
                    ("Privilege", "system,all"),
                    ("Uptime", uptime),
                    ("LastReload", uptime),
                    ("Status", "Fully Booted"),
                ]
            )
    else:
        pbx.failed_logins += 1
        reply("Error", Message="Authentication failed")
        link.close()


def _logoff(pbx: FakePbx, link: ManagerLink, msg: Message, reply: Reply) -> None:
    reply("Goodbye", Message="Thanks for all the fish.")
    link.close()


def _ping(pbx: FakePbx, link: ManagerLink, msg: Message, reply: Reply) -> None:
    reply(Ping="Pong", Timestamp=f"{pbx.clock.now():.6f}")


def _agi(pbx: FakePbx, link: ManagerLink, msg: Message, reply: Reply) -> None:
    pbx.agi.queue(msg, reply)


def _redirect(pbx: FakePbx, link: ManagerLink, msg: Message, reply: Reply) -> None:
    chan = pbx.channels.get(msg.get("Channel") or "")
    if chan is None:
        reply("Error", Message=f"Channel does not exist: {msg.get('Channel')}")
        return
    reply(Message="Redirect successful")
    pbx.redirect(chan, msg.get("Context") or "", msg.get("Exten") or "s")


def _setvar(pbx: FakePbx, link: ManagerLink, msg: Message, reply: Reply) -> None:
    chan = pbx.channels.get(msg.get("Channel") or "")
    if msg.get("Channel") and chan is None:
        reply("Error", Message=f"Channel does not exist: {msg.get('Channel')}")
        return
    if chan is not None:
        chan.variables[msg.get("Variable") or ""] = msg.get("Value") or ""
    reply(Message="Variable Set")


def _originate(pbx: FakePbx, link: ManagerLink, msg: Message, reply: Reply) -> None:
    originate(pbx, msg, reply)


def _hangup(pbx: FakePbx, link: ManagerLink, msg: Message, reply: Reply) -> None:
    chan = pbx.channels.get(msg.get("Channel") or "")
    if chan is None:
        reply("Error", Message="No such channel")
        return
    reply(Message="Channel Hungup")
    pbx.hangup(chan, int(msg.get("Cause") or 16))


def _list_channels(pbx: FakePbx, link: ManagerLink, msg: Message, reply: Reply) -> None:
    """``CoreShowChannels`` or ``Status``: an event list of every channel up."""
    name = (msg.get("Action") or "").lower()
    aid = msg.get("ActionID") or ""
    core = name == "coreshowchannels"
    plural = "Channels will follow" if core else "Channel status will follow"
    link.send(
        [("Response", "Success"), ("ActionID", aid), ("EventList", "start"), ("Message", plural)]
    )
    event = "CoreShowChannel" if core else "Status"
    for chan in pbx.channels.values():
        headers = [("Event", event), ("ActionID", aid), *channel_headers(chan)[1:]]
        headers += [("Application", chan.app), ("ApplicationData", chan.app_data)]
        headers += [("BridgeId", chan.bridge), ("Duration", "00:00:01")]
        link.send(headers)
    link.send(
        [
            ("Event", "CoreShowChannelsComplete" if core else "StatusComplete"),
            ("ActionID", aid),
            ("EventList", "Complete"),
            ("ListItems", str(len(pbx.channels))),
        ]
    )


HANDLERS: dict[str, Handler] = {
    "logoff": _logoff,
    "ping": _ping,
    "agi": _agi,
    "redirect": _redirect,
    "setvar": _setvar,
    "originate": _originate,
    "hangup": _hangup,
    "coreshowchannels": _list_channels,
    "status": _list_channels,
}
