"""Print the key fields of a Dataflow Job JSON written by --template_location (or captured by fake_dataflow.py)."""
import json, sys
j = json.load(open(sys.argv[1]))
env = j['environment']
opts = env.get('sdkPipelineOptions', {}).get('options', {})
pool = env['workerPools'][0]
print('name:', j.get('name'), '| type:', j.get('type'), '| steps:', len(j.get('steps') or []))
print('environment.version:', env.get('version'))
print('environment.experiments:', env.get('experiments'))
print('environment.tempStoragePrefix:', env.get('tempStoragePrefix'))
print('workerPools[0].kind:', pool.get('kind'), '| packages:', pool.get('packages'))
print('workerPools[0].workerHarnessContainerImage:', pool.get('workerHarnessContainerImage'))
print('workerPools[0].sdkHarnessContainerImages:', json.dumps(pool.get('sdkHarnessContainerImages'), indent=1))
print('sdkPipelineOptions.options.pipelineUrl:', opts.get('pipelineUrl'))
for k in ('project', 'region', 'job_name', 'streaming', 'enable_streaming_engine', 'sdk_container_image',
          'temp_location', 'staging_location', 'template_location', 'dataflow_endpoint', 'no_auth',
          'experiments', 'registered_node_modules', 'port', 'staging_dir'):
    print('sdkPipelineOptions.options.%s:' % k, opts.get(k, '<absent>'))
