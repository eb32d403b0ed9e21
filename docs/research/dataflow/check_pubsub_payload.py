"""Decode the pubsub_read transform of a staged pipeline.pb and validate it the way Beam Python would
(Read.from_runner_api_parameter -> _PubSubSource, which checks the subscription/topic format)."""
import sys
from apache_beam.portability import common_urns
from apache_beam.portability.api import beam_runner_api_pb2 as rapi
from apache_beam.io.iobase import Read
p = rapi.Pipeline.FromString(open(sys.argv[1], 'rb').read())
for tid, t in p.components.transforms.items():
    if t.spec.urn == common_urns.composites.PUBSUB_READ.urn:
        payload = rapi.PubSubReadPayload.FromString(t.spec.payload)
        print('transform', tid, repr(t.unique_name), 'env=%r' % t.environment_id, 'subtransforms=%d' % len(t.subtransforms))
        print('payload', payload)
        out = p.components.pcollections[list(t.outputs.values())[0]]
        print('output coder', p.components.coders[out.coder_id].spec.urn, rapi.IsBounded.Enum.Name(out.is_bounded))
        r = Read.from_runner_api_parameter(t, payload, None)
        s = r.source
        print('python _PubSubSource: project=%s subscription_name=%s with_attributes=%s' % (s.project, s.subscription_name, s.with_attributes))
