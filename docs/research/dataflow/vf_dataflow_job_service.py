"""Beam's Python Dataflow job service (apache-beam 2.49.0) with three fixes, for TS pipelines.

Run: python vf_dataflow_job_service.py --port N [--staging_dir D]
 1. With --template_location, DataflowRunner writes the Job JSON and returns a
    result without a job; 2.49.0's DataflowBeamJob then calls
    poll_for_job_completion -> result.job_id() -> AttributeError
    ('NoneType' object has no attribute 'id') and the job ends FAILED.
    Here: template written -> state DONE.
 2. Submit-only: once the Dataflow job is created, report DONE (with the job id
    in a log message) instead of polling it until it finishes (a streaming job
    never does; a Flex Template launcher must exit after submission).
    Set VF_WAIT_FOR_JOB=1 to keep 2.49.0's polling behaviour.
 3. PipelineOptions(flags=None) reads sys.argv: the job service's own
    --port/--staging_dir leaked into the job's sdkPipelineOptions. Use flags=[].
"""
import logging
import os
import sys

from apache_beam.options import pipeline_options
from apache_beam.options.pipeline_options import GoogleCloudOptions
from apache_beam.runners.dataflow import dataflow_job_service
from apache_beam.runners.dataflow import dataflow_runner
from apache_beam.runners.job import utils as job_utils
from apache_beam.runners.runner import PipelineResult, PipelineState

_LOGGER = logging.getLogger('vf_dataflow_job_service')


class _Submitted(PipelineResult):
  def __init__(self, job_id=None):
    super().__init__(PipelineState.DONE)
    self.job_id = job_id

  def wait_until_finish(self, duration=None):
    return self._state

  def monitoring_infos(self):
    return []


class SubmitOnlyDataflowBeamJob(dataflow_job_service.DataflowBeamJob):
  def pipeline_options(self):
    def from_urn(key):
      assert key.startswith('beam:option:') and key.endswith(':v1'), key
      return key[12:-3]

    return pipeline_options.PipelineOptions(
        flags=[],
        **{
            from_urn(k): v
            for k, v in job_utils.struct_to_dict(self._pipeline_options).items()
        })

  def _invoke_runner(self):
    options = self.pipeline_options()
    runner = dataflow_runner.DataflowRunner()
    result = runner.run_pipeline(None, options, self._pipeline_proto)
    template = options.view_as(GoogleCloudOptions).template_location
    if not result.has_job:
      _LOGGER.info('No job created; template written to %s', template)
      self.result = _Submitted()
      return self.result
    _LOGGER.info('Dataflow job created: id=%s name=%s', result.job_id(), result._job.name)
    if os.environ.get('VF_WAIT_FOR_JOB') == '1':
      self.result = result
      dataflow_runner.DataflowRunner.poll_for_job_completion(
          runner, result, None,
          lambda s: self.set_state(
              dataflow_job_service.portable_runner.PipelineResult.
              pipeline_state_to_runner_api_state(
                  result.api_jobstate_to_pipeline_state(s))))
      return result
    self.result = _Submitted(result.job_id())
    return self.result


if __name__ == '__main__':
  logging.basicConfig()
  logging.getLogger().setLevel(logging.INFO)
  dataflow_job_service.run(sys.argv[1:], beam_job_type=SubmitOnlyDataflowBeamJob)
