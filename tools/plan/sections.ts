/**
 * Extra sections for report.md, appended after the built-in ones. Each gets the whole plan
 * (see PlanJson in ./types) and returns Markdown, or "" to add nothing.
 */
import type { ReportSection } from "./types";
import { segmentationSection } from "./segmentation";
import { relaxationsSection } from "./relaxations";
import { namesSection } from "./names";

export const extraSections: ReportSection[] = [relaxationsSection, namesSection, segmentationSection];
