package org.capbuddy.cli.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The project's architecture, checked on the compiled classes of every module (cli's tests see
 * all of them but bench, whose classes nothing may reference anyway). Maven's module graph already
 * refuses an upward import across modules; these rules also hold the arrows inside the modules,
 * where only this test can.
 */
class ArchitectureTest {
    private static final String AARCH64 = "org.capbuddy.aarch64..";
    private static final String KERNEL = "org.capbuddy.kernel..";
    private static final String LIBOS = "org.capbuddy.libos..";
    private static final String SOS = "org.capbuddy.sos..";
    private static final String FUZZ = "org.capbuddy.fuzz..";
    private static final String CLI = "org.capbuddy.cli..";
    private static final String BENCH = "org.capbuddy.bench..";

    private static JavaClasses project;

    @BeforeAll
    static void importProject() {
        project = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.capbuddy");
    }

    @Test
    void layersOnlyLookDown() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("aarch64").definedBy(AARCH64)
                .layer("kernel").definedBy(KERNEL)
                .layer("libos").definedBy(LIBOS)
                .layer("sos").definedBy(SOS)
                .layer("fuzz").definedBy(FUZZ)
                .layer("cli").definedBy(CLI)
                .optionalLayer("bench").definedBy(BENCH)
                .whereLayer("bench").mayNotBeAccessedByAnyLayer()
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("fuzz").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("sos").mayOnlyBeAccessedByLayers("fuzz", "cli", "bench")
                .whereLayer("libos").mayOnlyBeAccessedByLayers("sos", "fuzz", "cli", "bench")
                .whereLayer("kernel").mayOnlyBeAccessedByLayers("libos", "sos", "fuzz", "cli", "bench")
                .whereLayer("aarch64").mayOnlyBeAccessedByLayers("kernel", "libos", "sos", "fuzz", "cli", "bench")
                .because("the interpreter knows no seL4, kernel knows no allocator, libos no process, nothing below cli knows the CLI, "
                        + "and nothing depends on fuzz or bench")
                .check(project);
    }

    @Test
    void theAllocatorsAndSosReachTheKernelOnlyAsUserCodeDoes() {
        noClasses().that().resideInAnyPackage(LIBOS, SOS).and().resideOutsideOfPackage("org.capbuddy.sos.machine..")
                .should().dependOnClassesThat().resideInAnyPackage("org.capbuddy.kernel.invocation..",
                        "org.capbuddy.kernel.cap..", "org.capbuddy.kernel.object..", "org.capbuddy.kernel.vm..",
                        "org.capbuddy.kernel.cspace..", "org.capbuddy.kernel.memory..",
                        "org.capbuddy.kernel.invariant..")
                .because("code above the kernel talks to it through invocations (Sel4), its vocabulary (api), "
                        + "the CPU and the boot info, never through its internal state; only the machine builder "
                        + "reads state, for its balance report")
                .check(project);
    }

    @Test
    void vkaIsAnInterfaceThatKnowsNoImplementation() {
        noClasses().that().resideInAPackage("org.capbuddy.libos.vka..")
                .should().dependOnClassesThat().resideInAnyPackage("org.capbuddy.libos.allocman..",
                        "org.capbuddy.libos.capbuddy..", "org.capbuddy.libos.bootstrap..", "org.capbuddy.libos.machine..",
                        "org.capbuddy.libos.vspace..")
                .check(project);
    }

    @Test
    void theCapBuddyPoolIsLayeredOnTheVkaNotPatchedIntoAllocman() {
        noClasses().that().resideInAPackage("org.capbuddy.libos.capbuddy..")
                .should().dependOnClassesThat().resideInAnyPackage("org.capbuddy.libos.allocman..",
                        "org.capbuddy.libos.bootstrap..", "org.capbuddy.libos.machine..")
                .because("CapBuddy takes its untypeds, slots and bookkeeping from any vka")
                .check(project);
        noClasses().that().resideInAPackage("org.capbuddy.libos.allocman..")
                .should().dependOnClassesThat().resideInAnyPackage("org.capbuddy.libos.capbuddy..",
                        "org.capbuddy.libos.machine..")
                .check(project);
    }

    @Test
    void sosKnowsNothingOfTheMachineBuiltAroundIt() {
        noClasses().that().resideInAPackage(SOS).and().resideOutsideOfPackage("org.capbuddy.sos.machine..")
                .should().dependOnClassesThat().resideInAPackage("org.capbuddy.sos.machine..")
                .check(project);
        noClasses().that().resideInAnyPackage("org.capbuddy.sos.addrspace..", "org.capbuddy.sos.shadow..")
                .should().dependOnClassesThat().resideInAnyPackage("org.capbuddy.sos", "org.capbuddy.sos.process..",
                        "org.capbuddy.sos.frametable..", "org.capbuddy.sos.user..", "org.capbuddy.sos.programs..")
                .because("address spaces and shadow page tables are SOS's plain records")
                .check(project);
    }

    @Test
    void hostRulesAndTheApiVocabularySitAtTheBottomOfTheKernel() {
        noClasses().that().resideInAPackage("org.capbuddy.kernel.host..")
                .should().dependOnClassesThat().resideInAPackage("org.capbuddy..")
                .andShould().dependOnClassesThat().resideOutsideOfPackages("org.capbuddy.kernel.host..", "java..")
                .check(project);
        noClasses().that().resideInAPackage("org.capbuddy.kernel.api..")
                .should().dependOnClassesThat().resideInAnyPackage("org.capbuddy.kernel", "org.capbuddy.kernel.invocation..",
                        "org.capbuddy.kernel.cpu..", "org.capbuddy.kernel.boot..", "org.capbuddy.kernel.object..")
                .check(project);
    }

    @Test
    void noFuzzingCodeInTheSystemModules() {
        noClasses().that().resideInAnyPackage(KERNEL, LIBOS, SOS).should().haveSimpleNameContaining("Fuzz")
                .check(project);
    }

    @Test
    void eachLibraryStaysInTheModuleThatUsesIt() {
        noClasses().that().resideOutsideOfPackage(CLI)
                .should().dependOnClassesThat().resideInAnyPackage("picocli..", "com.fasterxml.jackson..",
                        "org.knowm.xchart..", "de.erichseifert.vectorgraphics2d..", "me.tongfei..")
                .because("only the CLI parses options, writes JSON and draws charts")
                .check(project);
        classes().that().resideInAPackage("org.capbuddy..")
                .should().onlyDependOnClassesThat().resideOutsideOfPackages("org.junit..", "org.assertj..",
                        "com.tngtech.archunit..", "org.openjdk.jmh..")
                .because("test and benchmark libraries never reach the system")
                .check(project);
    }
}
