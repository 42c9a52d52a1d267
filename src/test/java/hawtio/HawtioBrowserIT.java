package hawtio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import testsupport.Apps;
import testsupport.Fixtures;
import testsupport.JavaProcess;
import testsupport.LocalStackExtension;
import testsupport.Ports;

/**
 * What an operator sees: headless Chromium opens Hawtio 4 connected to the running application's Jolokia (as
 * README's Hawtio command does) and finds the routes by id with their state. The screenshot is saved as
 * target/hawtio-routes.png. Needs Debian's chromium and chromium-driver; bash .ci/run installs them and sets
 * DYNAMO_LAKE_REQUIRE_BROWSER=1, so in CI a missing browser fails the test instead of skipping it.
 */
class HawtioBrowserIT {
    @RegisterExtension
    static final LocalStackExtension aws = new LocalStackExtension();

    private static final String TABLE = "hawtio-orders";
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private static Main app;
    private static JavaProcess console;
    private static int consolePort;
    private static WebDriver browser;

    @BeforeAll
    static void start() throws Exception {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && "1".equals(System.getenv("DYNAMO_LAKE_REQUIRE_BROWSER"))) {
            throw new IllegalStateException("the browser test needs " + CHROMIUM + " and " + CHROMEDRIVER
                    + ": apt-get install chromium chromium-driver");
        }
        Assumptions.assumeTrue(present, "chromium and chromium-driver are not installed (bash .ci/run installs them)");
        Fixtures.createTable(aws.dynamoDb(), TABLE, null, StreamViewType.NEW_AND_OLD_IMAGES);
        int port = Ports.free();
        app = Apps.against(aws, TABLE, Map.of("camel.management.port", Integer.toString(port)));
        app.start();
        // Hawtio in its own JVM, as README's command runs it: in this one, its own MBeans would sit beside the app's.
        consolePort = Ports.free();
        console = JavaProcess.start(
                "hawtio.HawtioConsole",
                List.of(
                        "-Dhawtio.app=http://localhost:" + port + "/observe/jolokia",
                        "-Dhawtio.port=" + consolePort,
                        "-Dhawtio.war=" + Path.of("target/hawtio/hawtio.war").toAbsolutePath()),
                List.of(),
                Files.createTempDirectory("hawtio-console-"));
        console.awaitLine("Hawtio is connected to", Duration.ofSeconds(60));
        ChromeOptions options = new ChromeOptions()
                .setBinary(CHROMIUM.toFile())
                .addArguments(
                        "--headless=new",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-dev-shm-usage",
                        "--disable-quic",
                        "--no-first-run",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--window-size=1600,1000",
                        "--user-data-dir=" + Files.createTempDirectory("chromium-"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (console != null) {
            console.close();
        }
        if (app != null) {
            app.stop();
        }
    }

    @Test
    void hawtioShowsEveryRouteWithItsState() throws Exception {
        browser.get("http://localhost:" + consolePort + "/");
        WebElement routesNode = await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500))
                .ignoreExceptions()
                .until(
                        () -> browser.findElements(By.xpath(
                                "//button[contains(@class,'tree-view__node-text') and normalize-space(.)='routes']")),
                        nodes -> !nodes.isEmpty())
                .get(0);
        routesNode.click();
        Map<String, String> states = await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .ignoreExceptions()
                .until(
                        HawtioBrowserIT::routeTable,
                        t -> t.containsKey("ddb-stream-to-firehose") && t.containsKey("ddb-export-to-lake"));
        screenshot("hawtio-routes.png");
        System.out.println("Hawtio's Routes table: " + states);
        assertThat(states)
                .containsEntry("ddb-stream-to-firehose", "Started")
                .containsEntry("ddb-export-to-lake", "Started")
                .containsEntry("ddb-export-watch", "Started")
                .containsEntry("ddb-view-compaction", "Stopped") // views.compaction-enabled=false in tests
                .containsKeys("firehose-put-record-batch", "lake-object-writer");

        // The diagram of the routes: drawn from dumpRoutesAsXml, which the read-only policy allows.
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(
                        () -> browser.findElements(
                                By.xpath("//a[contains(@class,'nav__link') and normalize-space(.)='Route Diagram']")),
                        b -> !b.isEmpty())
                .get(0)
                .click();
        List<String> nodes = await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .ignoreExceptions()
                .until(
                        () -> browser.findElements(By.cssSelector(".react-flow__node")).stream()
                                .map(n -> n.getAttribute("textContent"))
                                .toList(),
                        n -> n.size() >= 3);
        screenshot("hawtio-route-diagram.png");
        System.out.println("Hawtio's route diagram: " + nodes.size() + " nodes, " + nodes);
        assertThat(nodes).anySatisfy(n -> assertThat(n).contains("From ddbstream:"));
    }

    /** Route id to state, from the rows of the table Hawtio shows for the "routes" node. */
    private static Map<String, String> routeTable() {
        Map<String, String> states = new TreeMap<>();
        for (WebElement row : browser.findElements(By.xpath("//table//tbody/tr"))) {
            List<String> cells = row.findElements(By.tagName("td")).stream()
                    .map(WebElement::getText)
                    .map(String::trim)
                    .toList();
            int state = cells.indexOf("Started") >= 0 ? cells.indexOf("Started") : cells.indexOf("Stopped");
            if (state > 0) {
                states.put(cells.get(state - 1), cells.get(state));
            }
        }
        return states;
    }

    private static void screenshot(String name) throws Exception {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), Path.of("target", name), StandardCopyOption.REPLACE_EXISTING);
    }
}
