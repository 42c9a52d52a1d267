package structure;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The application's packages in layers, each using only those below it: the routes; their configuration; the flows
 * (the stream's deltas, the export, the views, what is observed of them), none of which uses another; the lake, the
 * stream consumer and the lease; the item. The local AWS emulator uses nothing of the application, and no package
 * takes part in a cycle.
 */
class LayeringTest {
    private static final List<String> FLOWS = List.of("deltas", "export", "views", "observe");

    /** Every top-level package of the application, the emulator's included. */
    private static final String[] PACKAGES = {
        "routes..",
        "dynamolake..",
        "deltas..",
        "export..",
        "views..",
        "observe..",
        "lake..",
        "ddbstream..",
        "lease..",
        "item..",
        "localaws.."
    };

    private static JavaClasses application;

    @BeforeAll
    static void read() {
        // Every class the build compiled for the application, whatever its package.
        application = new ClassFileImporter().importPath(Path.of("target", "classes"));
    }

    @Test
    void everyClassLiesInALayer() {
        classes().should().resideInAnyPackage(PACKAGES).check(application);
    }

    @Test
    void eachLayerUsesOnlyTheLayersBelowIt() {
        layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("routes")
                .definedBy("routes..")
                .layer("configuration")
                .definedBy("dynamolake..")
                .layer("flows")
                .definedBy("deltas..", "export..", "views..", "observe..")
                .layer("lake and stream")
                .definedBy("lake..", "ddbstream..", "lease..")
                .layer("item")
                .definedBy("item..")
                .layer("local AWS")
                .definedBy("localaws..")
                .whereLayer("routes")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("configuration")
                .mayOnlyBeAccessedByLayers("routes")
                .whereLayer("flows")
                .mayOnlyBeAccessedByLayers("routes", "configuration")
                .whereLayer("lake and stream")
                .mayOnlyBeAccessedByLayers("routes", "configuration", "flows")
                .whereLayer("item")
                .mayOnlyBeAccessedByLayers("routes", "configuration", "flows", "lake and stream")
                .whereLayer("local AWS")
                .mayOnlyBeAccessedByLayers("configuration")
                .check(application);
    }

    @Test
    void noFlowUsesAnother() {
        for (String flow : FLOWS) {
            noClasses()
                    .that()
                    .resideInAPackage(flow + "..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(FLOWS.stream()
                            .filter(other -> !other.equals(flow))
                            .map(other -> other + "..")
                            .toArray(String[]::new))
                    .because("a part both flows need lives in a layer below them")
                    .check(application);
        }
    }

    @Test
    void theItemKnowsNothingOfCamel() {
        noClasses()
                .that()
                .resideInAPackage("item..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("org.apache.camel..")
                .check(application);
    }

    @Test
    void theLakeAndTheLeaseKnowNothingOfTheStream() {
        noClasses()
                .that()
                .resideInAnyPackage("lake..", "lease..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("ddbstream..")
                .check(application);
        noClasses()
                .that()
                .resideInAPackage("lease..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("lake..")
                .check(application);
    }

    /**
     * The emulator is an oracle for the application only while it shares none of its code: a DynamoDB JSON bug in both
     * would otherwise cancel out in every test instead of showing.
     */
    @Test
    void theLocalEmulatorUsesNothingOfTheApplication() {
        noClasses()
                .that()
                .resideInAPackage("localaws..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(java.util.Arrays.stream(PACKAGES)
                        .filter(p -> !p.equals("localaws.."))
                        .toArray(String[]::new))
                .check(application);
    }

    @Test
    void noPackageTakesPartInACycle() {
        slices().matching("(**)").should().beFreeOfCycles().check(application);
    }
}
