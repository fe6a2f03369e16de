"""Plain unittest for instrument/nova/vimts_instrument.py (python3, standard library only).

    python3 -m unittest discover -s instrument/python_test -v

With VIMTS_TEST_OUT=<file>, the oslo-formatted lines the import-hook test logs are written to
<file> and the instants and fields behind them to <file>.json, for test/logs/instrument.test.ts
to read back with the TypeScript parser.
"""
import importlib
import io
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'nova'))

import vimts_instrument as vi  # noqa: E402

MARKER = re.compile(r'vimts t=(\d+)\.(\d{9}) id=(\S+) phase=(\S+) edge=(begin|end)(?: host=(\S+))?$')


class Instance(object):
    def __init__(self, uuid):
        self.uuid = uuid


class FakeClock(object):
    """1795585078.000000001 s, then +1 ms 1 ns per reading; remembers what it gave."""

    def __init__(self):
        self.t = 1795585078000000001
        self.given = []

    def __call__(self):
        self.given.append(self.t)
        t = self.t
        self.t += 1000001
        return t


def fake_module(name, body):
    module = type(sys)(name)
    exec(textwrap.dedent(body), module.__dict__)
    return module


DRIVER_BODY = '''
class LibvirtDriver(object):
    def spawn(self, context, instance, image_meta, injected_files, admin_password, allocations, network_info=None):
        self._create_image(context, instance, {})
        xml = self._get_guest_xml(context, instance, network_info, {}, image_meta)
        self._create_guest_with_network(context, xml, instance, network_info, None)
    def _create_image(self, context, instance, disk_mapping):
        pass
    def _get_guest_xml(self, context, instance, network_info, disk_info, image_meta):
        return '<domain/>'
    def _create_guest_with_network(self, context, xml, instance, network_info, block_device_info):
        if getattr(instance, 'fail', False):
            raise RuntimeError('boot failed')
'''

MANAGER_BODY = '''
class ComputeManager(object):
    def __init__(self, driver):
        self.driver = driver
    def _build_and_run_instance(self, context, instance, image, injected_files, admin_password,
                                requested_networks, security_groups, block_device_mapping, node, limits,
                                filter_properties, request_spec=None, accel_uuids=None):
        self.driver.spawn(context, instance, image, injected_files, admin_password, {}, network_info=[])
        return 'built'
'''

EXPECTED_PHASES = [
    ('build', 'begin'), ('spawn', 'begin'),
    ('spawn.create_image', 'begin'), ('spawn.create_image', 'end'),
    ('spawn.generate_xml', 'begin'), ('spawn.generate_xml', 'end'),
    ('spawn.libvirt_spawn', 'begin'), ('spawn.libvirt_spawn', 'end'),
    ('spawn', 'end'), ('build', 'end'),
]


def build(manager_module, driver_module, instance):
    manager = manager_module.ComputeManager(driver_module.LibvirtDriver())
    return manager._build_and_run_instance('ctx', instance, 'img', [], 'pw', None, [], [], 'node1', {}, {})


class FormatMarker(unittest.TestCase):
    def test_exact_digits(self):
        self.assertEqual(
            vi.format_marker(1795585078469655862, 'b956784b-1e94-4804-8591-9ca1c98c8560', 'build', 'begin', 'compute1'),
            'vimts t=1795585078.469655862 id=b956784b-1e94-4804-8591-9ca1c98c8560 phase=build edge=begin host=compute1')
        self.assertEqual(vi.format_marker(5, 'i', 'p', 'end'), 'vimts t=0.000000005 id=i phase=p edge=end')

    def test_values_never_break_the_line(self):
        line = vi.format_marker(10 ** 18, 'a b', '', 'end', 'my host')
        self.assertEqual(line, 'vimts t=1000000000.000000000 id=a_b phase=unknown edge=end host=my_host')
        self.assertRaises(ValueError, vi.format_marker, 1, 'i', 'p', 'middle')


class WrapFakeNova(unittest.TestCase):
    def setUp(self):
        self.lines = []
        self.clock = FakeClock()
        self.writer = vi.MarkerWriter(emit=self.lines.append, host='cmp1', clock=self.clock)
        self.driver = fake_module('nova.virt.libvirt.driver', DRIVER_BODY)
        self.manager = fake_module('nova.compute.manager', MANAGER_BODY)

    def patch(self):
        done = vi.patch_module(self.driver, self.writer) + vi.patch_module(self.manager, self.writer)
        self.assertEqual(sorted(done), sorted([
            'LibvirtDriver.spawn', 'LibvirtDriver._create_image', 'LibvirtDriver._get_guest_xml',
            'LibvirtDriver._create_guest_with_network', 'ComputeManager._build_and_run_instance']))

    def test_markers_in_order_with_the_instance_uuid(self):
        self.patch()
        self.assertEqual(build(self.manager, self.driver, Instance('uuid-1')), 'built')
        parsed = [MARKER.search(l) for l in self.lines]
        self.assertTrue(all(parsed), self.lines)
        self.assertEqual([(m.group(4), m.group(5)) for m in parsed], EXPECTED_PHASES)
        self.assertEqual({m.group(3) for m in parsed}, {'uuid-1'})
        self.assertEqual({m.group(6) for m in parsed}, {'cmp1'})
        self.assertEqual([int(m.group(1) + m.group(2)) for m in parsed], self.clock.given)

    def test_patching_twice_wraps_once(self):
        self.patch()
        self.assertEqual(vi.patch_module(self.driver, self.writer), [])
        build(self.manager, self.driver, Instance('u'))
        self.assertEqual(len(self.lines), 10)

    def test_an_exception_still_ends_the_phase_and_goes_on(self):
        self.patch()
        instance = Instance('uuid-2')
        instance.fail = True
        self.assertRaises(RuntimeError, build, self.manager, self.driver, instance)
        phases = [MARKER.search(l).group(4, 5) for l in self.lines]
        self.assertEqual(phases[-4:], [('spawn.libvirt_spawn', 'begin'), ('spawn.libvirt_spawn', 'end'), ('spawn', 'end'), ('build', 'end')])

    def test_a_staticmethod_stays_static(self):
        # ComputeVirtAPI._wait_for_instance_events(instance, events, error_callback) is one.
        module = fake_module('nova.compute.manager', '''
class ComputeVirtAPI(object):
    @staticmethod
    def _wait_for_instance_events(instance, events, error_callback):
        return ('waited', instance.uuid)
    def wait(self, instance):
        return self._wait_for_instance_events(instance, {}, None)
''')
        self.assertIn('ComputeVirtAPI._wait_for_instance_events', vi.patch_module(module, self.writer))
        self.assertEqual(module.ComputeVirtAPI().wait(Instance('uuid-9')), ('waited', 'uuid-9'))
        self.assertEqual([MARKER.search(l).group(3, 4, 5) for l in self.lines],
                         [('uuid-9', 'spawn.vif_plugged_wait', 'begin'), ('uuid-9', 'spawn.vif_plugged_wait', 'end')])

    def test_missing_targets_are_skipped(self):
        empty = fake_module('nova.virt.libvirt.driver', 'class LibvirtDriver(object):\n    pass\n')
        self.assertEqual(vi.patch_module(empty, self.writer), [])
        self.assertEqual(vi.patch_module(fake_module('nova.compute.manager', ''), self.writer), [])


class ImportHook(unittest.TestCase):
    """install() before Nova is imported; the markers go through a logger formatted like oslo.log."""

    def setUp(self):
        self.saved_path = list(sys.path)
        self.saved_meta = list(sys.meta_path)
        self.tmp = tempfile.TemporaryDirectory()
        root = self.tmp.name
        for package in ('nova', 'nova/compute', 'nova/virt', 'nova/virt/libvirt'):
            os.makedirs(os.path.join(root, package), exist_ok=True)
            open(os.path.join(root, package, '__init__.py'), 'w').close()
        with open(os.path.join(root, 'nova/compute/manager.py'), 'w') as f:
            f.write(textwrap.dedent(MANAGER_BODY))
        with open(os.path.join(root, 'nova/virt/libvirt/driver.py'), 'w') as f:
            f.write(textwrap.dedent(DRIVER_BODY))
        sys.path.insert(0, root)
        importlib.invalidate_caches()

    def tearDown(self):
        sys.path[:] = self.saved_path
        sys.meta_path[:] = self.saved_meta
        for name in [n for n in sys.modules if n == 'nova' or n.startswith('nova.')]:
            del sys.modules[name]
        self.tmp.cleanup()

    def test_hook_patches_on_import_and_lines_parse_back(self):
        self.assertNotIn('nova.compute.manager', sys.modules)
        out = io.StringIO()
        handler = logging.StreamHandler(out)
        formatter = logging.Formatter('%(asctime)s.%(msecs)03d %(process)d %(levelname)s %(name)s [-] %(message)s',
                                      '%Y-%m-%d %H:%M:%S')
        formatter.converter = time.gmtime  # UTC, as the shared logs
        handler.setFormatter(formatter)
        logger = logging.getLogger(vi.LOGGER_NAME)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
        given = []

        def clock():
            t = time.time_ns()
            given.append(t)
            return t

        try:
            writer = vi.MarkerWriter(emit=logger.info, host='compute1', clock=clock)
            self.assertTrue(vi.install(writer))
            manager = importlib.import_module('nova.compute.manager')
            driver = importlib.import_module('nova.virt.libvirt.driver')
            self.assertTrue(getattr(driver.LibvirtDriver.spawn, '__vimts_wrapped__', False))
            ids = ['11111111-2222-3333-4444-555555555555', '66666666-7777-8888-9999-000000000000']
            for uuid in ids:
                build(manager, driver, Instance(uuid))
        finally:
            logger.removeHandler(handler)
        lines = out.getvalue().splitlines()
        self.assertEqual(len(lines), 20)
        for line in lines:
            self.assertRegex(line, r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \d+ INFO nova\.compute\.vimts \[-\] vimts t=')
        fields = [MARKER.search(l).groups() for l in lines]
        self.assertEqual([int(f[0] + f[1]) for f in fields], given)
        expected = [{'t_ns': str(t), 'id': f[2], 'phase': f[3], 'edge': f[4], 'host': f[5]} for t, f in zip(given, fields)]
        self.assertEqual([(e['phase'], e['edge']) for e in expected], EXPECTED_PHASES * 2)
        self.assertEqual([e['id'] for e in expected], [ids[0]] * 10 + [ids[1]] * 10)
        target = os.environ.get('VIMTS_TEST_OUT')
        if target:
            with open(target, 'w') as f:
                f.write('\n'.join(lines) + '\n')
            with open(target + '.json', 'w') as f:
                json.dump(expected, f)


class RunAsModule(unittest.TestCase):
    def test_python_m_installs_then_runs_the_script_with_its_arguments(self):
        with tempfile.TemporaryDirectory() as tmp:
            script = os.path.join(tmp, 'fake-nova-compute')
            with open(script, 'w') as f:
                f.write('import json, sys\n'
                        'hooked = any(type(x).__name__ == "_PatchingFinder" for x in sys.meta_path)\n'
                        'print(json.dumps([__name__, sys.argv, hooked]))\n')
            env = dict(os.environ, PYTHONPATH=os.path.join(HERE, '..', 'nova'))
            run = subprocess.run([sys.executable, '-m', 'vimts_instrument', script, '--config-file', 'x.conf'],
                                 env=env, capture_output=True, text=True, timeout=60)
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertEqual(json.loads(run.stdout), ['__main__', [script, '--config-file', 'x.conf'], True])


if __name__ == '__main__':
    unittest.main()
