"""The spawn.vif_plugged_wait marker on Nova's own code (Debian's python3-nova, Zed).

    /usr/bin/python3 -m unittest discover -s instrument/python_test -p 'real_nova_check.py' -v

Runs the real ComputeVirtAPI.wait_for_instance_event → _wait_for_instance_events with the
real InstanceEvents, as the libvirt driver's spawn does while the domain waits paused for
network-vif-plugged; the event is popped and sent from another greenthread the way
ComputeManager.external_instance_event does. Needs Nova importable: it fails, not skips,
without it (the test command runs it with the Debian python that has it).
"""
import os
import re
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'nova'))

import vimts_instrument as vi  # noqa: E402

MARKER = re.compile(r'vimts t=(\d+)\.(\d{9}) id=(\S+) phase=(\S+) edge=(begin|end) host=(\S+)$')
SERVER = 'e3922650-b925-4e0a-a9d0-39ade3cc5d00'
PORT = '982a5c7d-87e5-49b1-aa12-cb3ba2880977'
DELAY_S = 0.2


class RealNovaWait(unittest.TestCase):
    def test_the_wait_for_network_vif_plugged_is_marked_on_novas_own_code(self):
        lines = []
        writer = vi.MarkerWriter(emit=lines.append, host='compute1')
        self.assertTrue(vi.install(writer))
        import eventlet
        from nova import objects
        from nova.compute import manager  # imported after install(): patched by the import hook
        objects.register_all()
        self.assertTrue(getattr(manager.ComputeVirtAPI._wait_for_instance_events, '__vimts_wrapped__', False))

        class Compute(object):  # what ComputeVirtAPI uses of a ComputeManager
            instance_events = manager.InstanceEvents()
            reportclient = None

        compute = Compute()
        api = manager.ComputeVirtAPI(compute)
        instance = objects.Instance(uuid=SERVER)
        sent = []

        def neutron_reports_the_port_up():
            eventlet.sleep(DELAY_S)
            event = objects.InstanceExternalEvent(instance_uuid=SERVER, name='network-vif-plugged', tag=PORT, status='completed')
            waiter = compute.instance_events.pop_instance_event(instance, event)
            sent.append(time.time_ns())
            waiter.send(event)

        with api.wait_for_instance_event(instance, [('network-vif-plugged', PORT)], deadline=10):
            eventlet.spawn(neutron_reports_the_port_up)  # the domain starts paused here
        done = time.time_ns()

        fields = [MARKER.search(l).groups() for l in lines]
        self.assertEqual([(f[2], f[3], f[4], f[5]) for f in fields], [
            (SERVER, 'spawn.vif_plugged_wait', 'begin', 'compute1'),
            (SERVER, 'spawn.vif_plugged_wait', 'end', 'compute1'),
        ])
        begin, end = (int(f[0] + f[1]) for f in fields)
        # The wait spans the event's arrival and ends as soon as it is there.
        self.assertLess(begin, sent[0])
        self.assertLessEqual(sent[0], end)
        self.assertLessEqual(end, done)
        self.assertGreaterEqual((end - begin) / 1e9, DELAY_S * 0.9)
        self.assertLess((end - sent[0]) / 1e9, 0.05)


if __name__ == '__main__':
    unittest.main()
