"""FHIR R4 adapter shaped on IHE MHD as profiled by the ANS PDSm guide."""
