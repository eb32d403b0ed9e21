"""A loopback stand-in for the Dataflow v1b3 REST API (enough for Beam's Python DataflowRunner).

Usage: python fake_dataflow.py PORT [OUTDIR]
Logs every request (method, path, query, body size) to stdout and OUTDIR/requests.log,
stores each created Job body in OUTDIR/created-job-N.json, and answers:
  POST .../projects/P/locations/L/jobs            -> the Job with an id (JOB_STATE_PENDING)
  GET  .../projects/P/locations/L/jobs/ID         -> the Job with currentState=$FAKE_STATE (default JOB_STATE_RUNNING)
  GET  .../jobs/ID/messages                       -> {"jobMessages": []}
  GET  .../jobs/ID/metrics                        -> {"metrics": []}
  PUT  .../jobs/ID                                -> the Job updated with the body (cancel/drain)
  GET  .../jobs?filter=...                        -> {"jobs": [...]} (job_id_for_name, --update)
  anything else                                   -> 404 JSON error
"""
import json, os, re, sys, time, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
OUT = sys.argv[2] if len(sys.argv) > 2 else '.'
os.makedirs(OUT, exist_ok=True)
STATE = os.environ.get('FAKE_STATE', 'JOB_STATE_RUNNING')
JOBS = {}
LOCK = threading.Lock()
LOG = open(os.path.join(OUT, 'requests.log'), 'a', buffering=1)


class H(BaseHTTPRequestHandler):
    def _reply(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header('Content-Type', 'application/json; charset=UTF-8')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self):
        n = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(n) if n else b''
        line = '%s %s %s body=%dB auth=%s ua=%s' % (
            time.strftime('%H:%M:%S'), self.command, self.path, len(body),
            'yes' if self.headers.get('Authorization') else 'no',
            (self.headers.get('User-Agent') or '')[:60])
        print('[fake-dataflow]', line, flush=True)
        LOG.write(line + '\n')
        path = self.path.split('?', 1)[0]
        m = re.match(r'^/?(?:v1b3/)?projects/([^/]+)/locations/([^/]+)/jobs(?:/([^/:]+))?(?:/(messages|metrics))?$', path.lstrip('/'))
        if not m:
            return self._reply(404, {'error': {'code': 404, 'message': 'fake: no route for %s' % path, 'status': 'NOT_FOUND'}})
        project, location, job_id, sub = m.groups()
        with LOCK:
            if self.command == 'POST' and not job_id:
                job = json.loads(body or b'{}')
                job_id = '2026-01-01_00_00_00-%d' % (1000 + len(JOBS))
                job.update(id=job_id, projectId=project, location=location,
                           currentState='JOB_STATE_PENDING', createTime='2026-01-01T00:00:00Z')
                JOBS[job_id] = job
                with open(os.path.join(OUT, 'created-job-%d.json' % len(JOBS)), 'w') as f:
                    json.dump(job, f, indent=1)
                reply = dict(job)
                reply.pop('steps', None)
                reply.pop('environment', None)  # the real service echoes much less
                return self._reply(200, reply)
            if self.command == 'GET' and not job_id:
                return self._reply(200, {'jobs': [{'id': j['id'], 'name': j.get('name'), 'currentState': STATE} for j in JOBS.values()]})
            job = JOBS.get(job_id)
            if job is None:
                return self._reply(404, {'error': {'code': 404, 'message': 'fake: no job %s' % job_id, 'status': 'NOT_FOUND'}})
            if sub == 'messages':
                return self._reply(200, {'jobMessages': []})
            if sub == 'metrics':
                return self._reply(200, {'metrics': []})
            if self.command == 'GET':
                return self._reply(200, {'id': job_id, 'name': job.get('name'), 'projectId': project,
                                         'location': location, 'type': job.get('type'), 'currentState': STATE})
            if self.command == 'PUT':
                upd = json.loads(body or b'{}')
                if upd.get('requestedState'):
                    job['currentState'] = upd['requestedState'].replace('JOB_STATE_', 'JOB_STATE_')
                return self._reply(200, {'id': job_id, 'currentState': job['currentState']})
        return self._reply(405, {'error': {'code': 405, 'message': 'fake: unsupported'}})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    def log_message(self, *a):
        pass


if __name__ == '__main__':
    srv = ThreadingHTTPServer(('127.0.0.1', PORT), H)
    print('[fake-dataflow] listening on 127.0.0.1:%d, state %s' % (PORT, STATE), flush=True)
    srv.serve_forever()
