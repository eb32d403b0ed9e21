import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Paths;

/**
 * Runs several services in ONE JVM (the machine allows one JVM at a time):
 *  -Demulator.jar=PATH [-Demulator.args="--host=127.0.0.1 --port=8085"]
 *      the Pub/Sub emulator (unshaded "all" jar) in its own class loader (parent: platform loader);
 *  -Dexpansion.args="8097 --defaultEnvironmentType=EMBEDDED"
 *      Beam's Java ExpansionService (classes from the application class path);
 *  then main.class (default FlinkJobServerDriver) with the command-line args.
 */
public class OneJvm {
  public static void main(String[] args) throws Exception {
    String emulatorJar = System.getProperty("emulator.jar");
    if (emulatorJar != null) {
      String[] eargs = System.getProperty("emulator.args", "--host=127.0.0.1 --port=8085").split(" ");
      URLClassLoader cl = new URLClassLoader(new URL[] {Paths.get(emulatorJar).toUri().toURL()}, ClassLoader.getPlatformClassLoader());
      Class<?> main = cl.loadClass("com.google.cloud.pubsub.testing.v1.Main");
      startThread("pubsub-emulator", cl, main, eargs);
    }
    String expansionArgs = System.getProperty("expansion.args");
    if (expansionArgs != null) {
      Class<?> main = Class.forName("org.apache.beam.sdk.expansion.service.ExpansionService");
      startThread("expansion-service", OneJvm.class.getClassLoader(), main, expansionArgs.split(" "));
    }
    String mainClass = System.getProperty("main.class", "org.apache.beam.runners.flink.FlinkJobServerDriver");
    Class.forName(mainClass).getMethod("main", String[].class).invoke(null, (Object) args);
  }

  private static void startThread(String name, ClassLoader cl, Class<?> main, String[] a) {
    Thread t = new Thread(() -> {
      try {
        main.getMethod("main", String[].class).invoke(null, (Object) a);
      } catch (Throwable e) {
        e.printStackTrace();
      }
    }, name);
    t.setContextClassLoader(cl);
    t.setDaemon(true);
    t.start();
  }
}
