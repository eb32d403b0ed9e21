/*
 * What videoflow needs of processes that Node does not give cheaply: starting
 * its ffmpeg and ffprobe runs with posix_spawn(3), and ending its own process
 * without Node's teardown (pipeline/src/util/native-processes.ts wraps both).
 *
 * Why not Node's child_process: libuv starts every child with fork() on
 * Linux, which copies the page tables of the whole Node process (about 80 MiB
 * resident once Beam and the start-up snapshot are loaded) and blocks the
 * event loop until the child has called exec: 4 to 16 ms a spawn measured
 * here, four spawns on `process`'s critical path (libuv/libuv#1715, #3520).
 * glibc's posix_spawn uses clone(CLONE_VM | CLONE_VFORK): no copy, about
 * 0.25 ms whatever the parent's size.
 *
 * spawn(file, args, stdio) -> { pid, fds }
 *   file: looked up in PATH like execvp when it has no slash; args: argv
 *   without argv[0]; stdio[i] for the child's fd i: -1 a pipe the child
 *   writes and the parent reads (fds[i] is the parent's end), -2 /dev/null,
 *   any other number an fd of the parent's to hand over. The child gets the
 *   parent's environment, every signal at its default action and none
 *   blocked (as libuv does for its children: Node ignores SIGPIPE, and an
 *   ignored signal would stay ignored across exec).
 *   Throws an Error with `code` (ENOENT, EACCES, ...) when it cannot start.
 * wait(pid, callback): calls callback(status, signal) once the child exits:
 *   its exit status or null, and the number of the signal that ended it or 0.
 *   A thread waits for that one pid (libuv's SIGCHLD handler only reaps its
 *   own children's pids), and keeps the event loop alive until then.
 * exit(status): _exit(2) now. Node's own exit stops V8's platform threads,
 *   tears its heap down and runs the C++ static destructors of every library
 *   loaded (OpenCV's among them): about 6 ms at the end of every `process`,
 *   against the kernel's part alone (measured by ending with SIGKILL).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MAX_STDIO 8
#define PIPE_FD (-1)
#define NULL_FD (-2)

#define CHECK(call)                                                                  \
  do {                                                                               \
    if ((call) != napi_ok) {                                                         \
      napi_throw_error(env, NULL, "videoflow processes addon: N-API call failed: " #call);         \
      return NULL;                                                                   \
    }                                                                                \
  } while (0)

static char *copy_string(napi_env env, napi_value value) {
  size_t length;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) return NULL;
  char *text = malloc(length + 1);
  if (text != NULL) napi_get_value_string_utf8(env, value, text, length + 1, &length);
  return text;
}

static void free_strings(char **strings, uint32_t count) {
  for (uint32_t i = 0; i < count; i++) free(strings[i]);
  free(strings);
}

static napi_value throw_errno(napi_env env, int error, const char *file) {
  napi_value code, message, exception, number;
  char text[512];
  snprintf(text, sizeof text, "spawn %s %s", file, strerrorname_np(error) ? strerrorname_np(error) : "failed");
  napi_create_string_utf8(env, strerrorname_np(error) ? strerrorname_np(error) : "EUNKNOWN", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &exception);
  napi_create_int32(env, -error, &number);
  napi_set_named_property(env, exception, "errno", number);
  napi_throw(env, exception);
  return NULL;
}

static napi_value spawn_child(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "spawn(file, args, stdio)");
    return NULL;
  }
  uint32_t nargs, nstdio;
  CHECK(napi_get_array_length(env, argv[1], &nargs));
  CHECK(napi_get_array_length(env, argv[2], &nstdio));
  if (nstdio > MAX_STDIO) {
    napi_throw_range_error(env, NULL, "videoflow processes addon: too many stdio entries");
    return NULL;
  }
  char **args = calloc(nargs + 2, sizeof(char *));
  if (args == NULL) return throw_errno(env, ENOMEM, "");
  args[0] = copy_string(env, argv[0]);
  for (uint32_t i = 0; i < nargs; i++) {
    napi_value item;
    CHECK(napi_get_element(env, argv[1], i, &item));
    args[i + 1] = copy_string(env, item);
    if (args[i + 1] == NULL) {
      free_strings(args, nargs + 1);
      napi_throw_type_error(env, NULL, "videoflow processes addon: every argument must be a string");
      return NULL;
    }
  }
  if (args[0] == NULL) {
    free_strings(args, nargs + 1);
    napi_throw_type_error(env, NULL, "videoflow processes addon: file must be a string");
    return NULL;
  }

  int parent_end[MAX_STDIO], child_end[MAX_STDIO];
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  int error = 0;
  for (uint32_t i = 0; i < nstdio; i++) parent_end[i] = child_end[i] = -1;
  for (uint32_t i = 0; i < nstdio && error == 0; i++) {
    napi_value item;
    int32_t spec;
    CHECK(napi_get_element(env, argv[2], i, &item));
    CHECK(napi_get_value_int32(env, item, &spec));
    if (spec == PIPE_FD) {
      int fds[2];
      if (pipe2(fds, O_CLOEXEC) != 0) {
        error = errno;
        break;
      }
      parent_end[i] = fds[0];
      child_end[i] = fds[1];
      error = posix_spawn_file_actions_adddup2(&actions, fds[1], (int)i);
    } else if (spec == NULL_FD) {
      error = posix_spawn_file_actions_addopen(&actions, (int)i, "/dev/null", O_RDWR, 0);
    } else {
      error = posix_spawn_file_actions_adddup2(&actions, spec, (int)i);
    }
  }

  pid_t pid = -1;
  if (error == 0) {
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t every, none;
    sigfillset(&every);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attributes, &every);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    error = posix_spawnp(&pid, args[0], &actions, &attributes, args, environ);
    posix_spawnattr_destroy(&attributes);
  }
  posix_spawn_file_actions_destroy(&actions);
  for (uint32_t i = 0; i < nstdio; i++) {
    if (child_end[i] >= 0) close(child_end[i]);
    if (error != 0 && parent_end[i] >= 0) close(parent_end[i]);
  }
  if (error != 0) {
    napi_value thrown = throw_errno(env, error, args[0]);
    free_strings(args, nargs + 1);
    return thrown;
  }
  free_strings(args, nargs + 1);

  napi_value result, pid_value, fds;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_int32(env, pid, &pid_value));
  CHECK(napi_set_named_property(env, result, "pid", pid_value));
  CHECK(napi_create_array_with_length(env, nstdio, &fds));
  for (uint32_t i = 0; i < nstdio; i++) {
    napi_value fd;
    CHECK(napi_create_int32(env, parent_end[i], &fd));
    CHECK(napi_set_element(env, fds, i, fd));
  }
  CHECK(napi_set_named_property(env, result, "fds", fds));
  return result;
}

typedef struct {
  pid_t pid;
  int status;
  int failed;
  napi_threadsafe_function done;
} waiter;

static void *wait_for_child(void *data) {
  waiter *w = data;
  pid_t got;
  do got = waitpid(w->pid, &w->status, 0);
  while (got == -1 && errno == EINTR);
  w->failed = got == -1;
  // report_exit frees w: keep the function to release.
  napi_threadsafe_function done = w->done;
  if (napi_call_threadsafe_function(done, w, napi_tsfn_blocking) != napi_ok) free(w);
  napi_release_threadsafe_function(done, napi_tsfn_release);
  return NULL;
}

static void report_exit(napi_env env, napi_value callback, void *context, void *data) {
  (void)context;
  waiter *w = data;
  if (env != NULL && callback != NULL) {
    napi_value undefined, args[2];
    napi_get_undefined(env, &undefined);
    if (!w->failed && WIFEXITED(w->status)) {
      napi_create_int32(env, WEXITSTATUS(w->status), &args[0]);
      napi_create_int32(env, 0, &args[1]);
    } else {
      napi_get_null(env, &args[0]);
      napi_create_int32(env, !w->failed && WIFSIGNALED(w->status) ? WTERMSIG(w->status) : 0, &args[1]);
    }
    napi_call_function(env, undefined, callback, 2, args, NULL);
  }
  free(w);
}

static napi_value wait_child(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], name;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t pid;
  CHECK(napi_get_value_int32(env, argv[0], &pid));
  waiter *w = calloc(1, sizeof(waiter));
  if (w == NULL) return throw_errno(env, ENOMEM, "");
  w->pid = pid;
  CHECK(napi_create_string_utf8(env, "videoflow processes wait", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_threadsafe_function(env, argv[1], NULL, name, 0, 1, NULL, NULL, NULL, report_exit, &w->done));
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attributes, 64 * 1024);
  pthread_t thread;
  int error = pthread_create(&thread, &attributes, wait_for_child, w);
  pthread_attr_destroy(&attributes);
  if (error != 0) {
    napi_release_threadsafe_function(w->done, napi_tsfn_abort);
    free(w);
    return throw_errno(env, error, "(wait)");
  }
  return NULL;
}

static napi_value exit_now(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t status = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc > 0) napi_get_value_int32(env, argv[0], &status);
  _exit(status);
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value spawn_fn, wait_fn, exit_fn;
  if (napi_create_function(env, "spawn", NAPI_AUTO_LENGTH, spawn_child, NULL, &spawn_fn) != napi_ok) return NULL;
  if (napi_create_function(env, "wait", NAPI_AUTO_LENGTH, wait_child, NULL, &wait_fn) != napi_ok) return NULL;
  if (napi_create_function(env, "exit", NAPI_AUTO_LENGTH, exit_now, NULL, &exit_fn) != napi_ok) return NULL;
  napi_set_named_property(env, exports, "spawn", spawn_fn);
  napi_set_named_property(env, exports, "wait", wait_fn);
  napi_set_named_property(env, exports, "exit", exit_fn);
  return exports;
}
