package localaws;

import java.io.IOException;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the local stack alone, in its own process, until it is stopped (Ctrl-C or SIGTERM): for running
 * dynamo-lake against a stack that outlives it (a test can kill -9 the application and start it again on the same
 * data). Takes the same {@code local.*} properties as the application, as {@code --key=value} arguments or system
 * properties, over the values the application's local profile runs it with ({@link LocalStackProperties#DEFAULTS}):
 *
 * <pre>
 * java -cp target/dynamo-lake.jar localaws.LocalStackMain --local.emulator.port=4566 --local.data-dir=data
 * </pre>
 */
public final class LocalStackMain {
    private LocalStackMain() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        Properties props = new Properties();
        props.putAll(LocalStackProperties.DEFAULTS);
        props.putAll(System.getProperties());
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("expected --key=value, was '" + arg + "'");
            }
            props.setProperty(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        LocalStack stack = LocalStack.start(LocalStackProperties.settings(props::getProperty));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            stack.close();
                            System.out.println("LOCAL STACK STOPPED");
                            stopped.countDown();
                        },
                        "local-stack-shutdown"));
        // Tests wait for this line on standard output before they connect.
        System.out.println("LOCAL STACK READY emulator=" + stack.emulatorEndpoint() + " s3=" + stack.s3Endpoint()
                + " sqs=" + stack.sqsEndpoint());
        System.out.flush();
        stopped.await();
    }
}
